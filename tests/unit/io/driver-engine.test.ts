// The same guest driver ELF on the workbench: bare-metal machine + our virtio-mmio/virtio-net at slot 7 (where
// QEMU's virt board puts its first virtio device), a host switch and the external endpoint answering ARP for the
// gateway. The serial output must equal QEMU's byte for byte.
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Machine } from '../../../src/main/engine/machine/machine'
import { RamDma } from '../../../src/main/engine/devices/virtio/dma'
import { EmptyVirtioSlot, VirtioMmioTransport } from '../../../src/main/engine/devices/virtio/mmio'
import { virtioSlot } from '../../../src/main/engine/devices/virtio/constants'
import { VirtioNet } from '../../../src/main/engine/devices/net/virtio-net'
import { EventQueue } from '../../../src/main/engine/network/events'
import { VirtualSwitch } from '../../../src/main/engine/network/switch'
import { ExternalEndpoint } from '../../../src/main/engine/network/endpoint'
import { macFromString } from '../../../src/main/engine/network/frame'
import { checkTool, toolAvailable } from './tools'

const elfPath = join(__dirname, '../../../resources/guest/iolab/virtio-arp.elf')

function runOnWorkbench(): { serial: string; exit: string; net: VirtioNet; t: VirtioMmioTransport; endpoint: ExternalEndpoint; plicPending: boolean[] } {
  const m = new Machine(readFileSync(elfPath), { memoryMiB: 64 })
  const events = new EventQueue()
  events.clock = () => m.hart.cycle
  const sw = new VirtualSwitch(events, { perFrameCycles: 2000, linkGbps: 10 })
  const endpoint = new ExternalEndpoint(events)
  endpoint.tx = sw.attach('uplink', endpoint)
  // QEMU's first NIC MAC, so the output matches
  const net = new VirtioNet(macFromString('52:54:00:12:34:56'), { transmit: () => {} })
  net.connect(sw.attach('vm0', net))
  const slot = virtioSlot(7)
  const plicPending: boolean[] = []
  const t = new VirtioMmioTransport('virtio7', net, new RamDma(m.bus.ram, m.bus.ramBase), {
    set: (level) => {
      m.plic.setLevel(slot.irq, level)
      // the PLIC's pending word (offset 0x1000): slot 7 is source 8
      if (level) plicPending.push((m.plic.read(0x1000, 4) & (1 << slot.irq)) !== 0)
    }
  })
  m.bus.map('virtio7', slot.base, t.size, t)
  for (let i = 0; i < 7; i++) m.bus.map(`virtio${i}`, virtioSlot(i).base, 0x1000, new EmptyVirtioSlot(`virtio${i}`))
  let exit = ''
  for (let limit = 100_000; limit < 2e8; limit += 100_000) {
    const r = m.run({ maxCycles: limit })
    events.runUntil(m.hart.cycle)
    if (r.kind !== 'limit') {
      exit = r.kind === 'poweroff' ? `poweroff ${r.exitCode}` : r.kind
      break
    }
  }
  return { serial: new TextDecoder().decode(m.drainSerial()), exit, net, t, endpoint, plicPending }
}

describe('guest virtio-net driver on the workbench', () => {
  it('negotiates EVENT_IDX, wraps both rings and gets 40 ARP replies from the endpoint', () => {
    const r = runOnWorkbench()
    expect(r.exit).toBe('poweroff 0')
    expect(r.serial).toContain('slot 7 features ok event_idx=1 mac 52:54:00:12:34:56')
    expect(r.serial).toContain('10.0.2.2 is-at 52:55:0a:00:02:02')
    expect(r.serial).toContain('replies 40 tx 40 rx 40')
    expect(r.t.eventIdxNegotiated()).toBe(true)
    expect(r.net.stats.txFrames).toBe(40)
    expect(r.net.stats.rxFrames).toBe(40)
    expect(r.endpoint.stats.arpReplies).toBe(40)
    // 16-entry rings, 40 uses each: the device's indices went around twice
    expect(r.t.queues[1].lastAvail).toBe(40)
    expect(r.t.queues[0].usedIdx).toBe(40)
    // used-buffer interrupts reached the PLIC as source 8 (slot 7); the driver acknowledged each one
    expect(r.plicPending.length).toBeGreaterThanOrEqual(40)
    expect(r.plicPending.every(Boolean)).toBe(true)
    expect(r.t.interruptStatus).toBe(0)
  })

  const qemu = checkTool('qemu-system-riscv32', 'qemu-system-misc')
  it.runIf(toolAvailable(qemu))('prints exactly what it prints on QEMU', () => {
    const q = spawnSync(
      'qemu-system-riscv32',
      ['-machine', 'virt', '-bios', 'none', '-nographic', '-m', '64M', '-global', 'virtio-mmio.force-legacy=false',
        '-kernel', elfPath, '-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-device,netdev=n0'],
      { encoding: 'utf8', timeout: 30_000 }
    )
    expect(q.status).toBe(0)
    expect(runOnWorkbench().serial).toBe(q.stdout.replace(/\r\n/g, '\n'))
  })
})
