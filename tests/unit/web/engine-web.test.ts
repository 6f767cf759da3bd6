// The guest kernel's `web` workload on the workbench VMM, with the NIC plugged in by attachNic (virtio-net at
// slot 0, or the emulated register NIC), in both virtualization modes: the client load generator's requests are
// each answered once with the server's counter, and latency is what the path costs (emulated: every register
// access an exit).
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Vm } from '../../../src/main/engine/vmm/vm'
import type { NicModel, VirtMode } from '../../../src/main/engine/vmm/api'
import { attachNic } from '../../../src/main/engine/devices/net/attach'
import { EventQueue } from '../../../src/main/engine/network/events'
import { VirtualSwitch } from '../../../src/main/engine/network/switch'
import { macForNic, macFromString } from '../../../src/main/engine/network/frame'
import { WebLoadClient } from '../../../src/main/engine/network/web-client'
import { syncedDevice } from '../../../src/main/engine/network/synced-device'

const ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')
const REQUESTS = 40
const INTERVAL_NS = 1_000_000
const text = (b: Uint8Array): string => new TextDecoder().decode(b).replace(/\r\n/g, '\n')

function serve(mode: VirtMode, nic: Extract<NicModel, 'virtio' | 'emulated'>): { out: string; client: WebLoadClient; exits: number; vm: Vm } {
  const cmdline = `selftest=0 workload=web net=${nic} web.requests=${REQUESTS} halt=1`
  const vm = new Vm({ name: 'web', memoryMiB: 16, mode, nic: 'none', vtpm: false, cmdline }, new Uint8Array(readFileSync(ELF)))
  const events = new EventQueue()
  events.clock = () => vm.virtualCycles
  const sw = new VirtualSwitch(events, { perFrameCycles: 1000, linkGbps: 10 })
  const client = new WebLoadClient(events, macFromString('02:00:00:00:00:c1'), macForNic(1), INTERVAL_NS)
  client.tx = sw.attach('client', client)
  attachNic(vm, nic, { mac: macForNic(1), connect: (rx) => sw.attach('vm', rx), wrap: (d) => syncedDevice(d, events) })
  let out = ''
  for (let i = 0; i < 20_000 && vm.halt === null; i++) {
    const next = events.nextAt
    vm.runFor(next === null ? 50_000 : Math.max(500, Math.min(50_000, next - vm.virtualCycles)))
    events.runUntil(vm.virtualCycles)
    out += text(vm.drainSerial())
    if (client.records.length === 0 && out.includes('web: serving')) client.start(REQUESTS)
  }
  const s = vm.stats()
  return { out, client, exits: s.exits.mmio, vm }
}

describe.skipIf(!existsSync(ELF))('web workload on the workbench VMM', () => {
  for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
    for (const nic of ['virtio', 'emulated'] as const) {
      it(`${nic} NIC, ${mode}: every request answered once, in counter order`, () => {
        const { out, client, vm } = serve(mode, nic)
        const name = nic === 'virtio' ? 'virtio-net' : 'emulated nic'
        expect(out).toContain(`web: serving on ${name} 52:54:00:12:00:01 (ethertype 0x88b6), ${REQUESTS} requests\n`)
        expect(out).toContain(`web: answered ${REQUESTS} requests, ignored 0 frames\n`)
        expect(out).toContain('halt: 0 workload(s) failed, power off\n')
        expect(vm.halt?.kind).toBe('poweroff')
        const s = client.summary(client.records[client.records.length - 1].answeredAt, 0)
        expect(s.sent).toBe(REQUESTS)
        expect(s.answered).toBe(REQUESTS)
        expect(s.duplicates).toBe(0)
        expect(client.records.map((r) => r.counter)).toEqual(client.records.map((_, i) => i + 1))
        // each answer came back after its request and before the next was sent (one in flight)
        for (const r of client.records) {
          expect(r.answeredAt).toBeGreaterThan(r.sentAt)
          expect(r.answeredAt - r.sentAt).toBeLessThan(INTERVAL_NS)
        }
        console.log(`[${mode} ${nic}] mean latency ${(s.meanLatencyNs / 1e3).toFixed(1)} us, max ${(s.maxLatencyNs / 1e3).toFixed(1)} us`)
      })
    }
  }

  it('without a NIC the workload says so, as before', () => {
    const vm = new Vm({ name: 'web', memoryMiB: 16, mode: 'hardware-assisted', nic: 'none', vtpm: false, cmdline: 'selftest=0 workload=web halt=1' }, new Uint8Array(readFileSync(ELF)))
    vm.runFor(200_000_000)
    const out = text(vm.drainSerial())
    expect(out).toContain('web: network device not present yet, nothing to serve\nhalt: 0 workload(s) failed, power off\n')
  })
})
