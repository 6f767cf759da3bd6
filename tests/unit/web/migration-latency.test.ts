// The client load generator against the guest kernel's `web` workload (virtio-net) while the VM live-migrates
// (pre-copy) between two VMs joined by a MessageChannel: the client's worst gap between answers matches the
// downtime the migration reports, and no request is lost or answered twice across the switchover.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { channelFromPort, MigrationDestination, MigrationSource } from '../../../src/main/engine/migration'
import { NetworkedVm, VmPort } from '../../../src/main/engine/migration/networked-vm'
import { Vm } from '../../../src/main/engine/vmm/vm'
import type { VirtMode } from '../../../src/main/engine/vmm/api'
import { EventQueue } from '../../../src/main/engine/network/events'
import { VirtualSwitch } from '../../../src/main/engine/network/switch'
import { DEFAULT_NET_COSTS } from '../../../src/main/engine/network/costs'
import { macForNic, macFromString } from '../../../src/main/engine/network/frame'
import { WebLoadClient } from '../../../src/main/engine/network/web-client'

const ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')
const CMDLINE = 'selftest=0 workload=web net=virtio'
const VM_MAC = macForNic(1)
const INTERVAL_NS = 1_000_000 // one request per virtual millisecond
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

function boot(mode: VirtMode): Vm {
  // nic 'none': the NIC is plugged in by NetworkedVm (dirty-tracked DMA, state carried in the machine state)
  return new Vm({ name: 'web', memoryMiB: 16, mode, nic: 'none', vtpm: false, cmdline: CMDLINE }, new Uint8Array(readFileSync(ELF)))
}

function network(): { events: EventQueue; client: WebLoadClient; port: VmPort } {
  const events = new EventQueue()
  const sw = new VirtualSwitch(events, { perFrameCycles: DEFAULT_NET_COSTS.switchPerFrame, linkGbps: DEFAULT_NET_COSTS.linkGbps })
  const client = new WebLoadClient(events, macFromString('02:00:00:00:00:c1'), VM_MAC, INTERVAL_NS)
  client.tx = sw.attach('client', client)
  return { events, client, port: new VmPort(sw, 'vm') }
}

describe.skipIf(!existsSync(ELF))('client load generator during live migration', () => {
  for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
    it(`pre-copy (${mode}): the latency blip matches the reported downtime; nothing lost or answered twice`, async () => {
      const { events, client, port } = network()
      const src = new NetworkedVm(boot(mode), events, VM_MAC)
      src.connect(port)
      let serial = ''
      for (let i = 0; i < 200 && !serial.includes('web: serving'); i++) {
        src.runFor(1_000_000)
        serial += text(src.vm.drainSerial())
      }
      expect(serial).toContain('web: serving on virtio-net 52:54:00:12:00:01 (ethertype 0x88b6), 0 requests')
      client.start()
      src.runFor(50_000_000)
      const warm = client.summary()
      expect(warm.answered).toBeGreaterThanOrEqual(49)
      expect(warm.lost).toBe(0)
      const normalMax = warm.maxLatencyNs

      const migrationStart = src.hostNow()
      let dest: NetworkedVm<Vm> | null = null
      const { port1, port2 } = new MessageChannel()
      const destination = new MigrationDestination({
        channel: channelFromPort(port2),
        offer: { hostId: 'host-b', freeMemoryBytes: 1 << 30, capabilities: [`mode:${mode}`] },
        createVm: () => (dest = new NetworkedVm(boot(mode), events, VM_MAC))
      })
      const source = new MigrationSource({
        vm: src,
        channel: channelFromPort(port1),
        hostId: 'host-a',
        descriptor: { name: 'web', memoryBytes: src.ram.length, requires: [`mode:${mode}`], devices: [{ id: 'virtio0', kind: 'virtio-net', passthrough: false }] },
        params: { 'max-bandwidth': 2_000_000 },
        onPause: () => {
          serial += text(src.vm.drainSerial())
          src.pause()
        }
      })
      const [outcome, arrived] = await Promise.all([source.start(), destination.done])
      expect(outcome.status).toBe('completed')
      expect(arrived.status).toBe('resumed')
      const info = outcome.info
      const destVm = dest as NetworkedVm<Vm> | null
      if (!destVm) throw new Error('no destination VM')
      const downtime = info.downtime ?? Number.NaN
      const downtimeNs = downtime * 1e6
      const pausedAt = src.hostNow()
      src.follow(destVm, port, downtimeNs)
      destVm.runFor(100_000_000)
      client.stop()
      destVm.runFor(20_000_000)
      serial += text(destVm.vm.drainSerial())

      const s = client.summary()
      // every request got exactly one answer, in order of the server's counter, across the switchover
      expect(s.sent).toBeGreaterThan(200)
      expect(s.answered).toBe(s.sent)
      expect(s.lost).toBe(0)
      expect(s.duplicates).toBe(0)
      expect(s.counterBreaks).toBe(0)
      expect(s.stray).toBe(0)
      expect(client.records.map((r) => r.counter)).toEqual(client.records.map((_, i) => i + 1))
      // the blip: the longest silence spans the pause and matches the reported downtime within 10 % + one interval
      expect(downtime).toBeGreaterThan(5)
      expect(Math.abs(s.maxGapNs - downtimeNs)).toBeLessThanOrEqual(0.1 * downtimeNs + INTERVAL_NS)
      expect(s.maxGapStart).toBeLessThanOrEqual(pausedAt)
      expect(s.maxGapStart + s.maxGapNs).toBeGreaterThanOrEqual(pausedAt + downtimeNs)
      // the worst latency is a request that waited out the downtime; 10 ms after the blip latencies are normal again (trap-and-emulate rebuilds its shadow tables first)
      expect(Math.abs(s.maxLatencyNs - downtimeNs)).toBeLessThanOrEqual(0.1 * downtimeNs + INTERVAL_NS)
      const after = client.records.filter((r) => r.sentAt > pausedAt + downtimeNs + 10 * INTERVAL_NS)
      expect(after.length).toBeGreaterThan(50)
      expect(Math.max(...after.map((r) => r.answeredAt - r.sentAt))).toBeLessThanOrEqual(normalMax * 4)
      // the timeline handed to the migration record: ms since the migration started
      const tl = client.timeline(migrationStart)
      expect(tl.length).toBe(s.answered)
      expect(Math.max(...tl.map((p) => p.latencyMs))).toBeCloseTo(s.maxLatencyNs / 1e6, 6)
      // the guest did not restart: one banner, still serving
      expect(serial.match(/web: serving/g)?.length).toBe(1)
      expect(serial).not.toContain('VMM Workbench teaching kernel 1.0 (RV32IMA, S-mode, Sv32)\r\n\r\n')
      console.log(
        `[${mode}] rounds ${info.rounds.length}, downtime ${downtime.toFixed(3)} ms, worst gap ${(s.maxGapNs / 1e6).toFixed(3)} ms, worst latency ${(s.maxLatencyNs / 1e6).toFixed(3)} ms, mean ${(s.meanLatencyNs / 1e3).toFixed(1)} us, normal max ${(normalMax / 1e3).toFixed(1)} us, ${s.sent} requests`
      )
    })
  }
})
