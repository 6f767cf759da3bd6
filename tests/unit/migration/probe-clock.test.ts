// Regression: the migration load client's probe got no answer (intermittent 'no-answer' in the full CI suite:
// tests/e2e/migration-ui, tests/unit/migration/app-nics). Cause: fractional virtual times. The app paces an idle
// guest to wall time (performance.now() is fractional), so a sleeping VM's clock could stop a hair below its next
// timer, and the host network maps guest time to host time by an offset taken from event times (fractional
// too). Above 2^31 ns the sum guest time + offset rounds to the next 2^-21, so "how far the others have got",
// converted back to guest time, came out one rounding step below the VM's own timer: the VM slept to there, never
// to its timer, and a driven run (the probe, a migration's runFor) made no progress at all. Virtual clocks and
// offsets now count whole cycles. This replays the exact state seen in CI (a paced guest just below its timer,
// host time past 2^31 ns with a fractional present) and checks the probe is answered.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HostRuntime } from '../../../src/main/engine/host/runtime'
import { createGuestVm } from '../../../src/main/engine/host/vm-factory'
import type { ClockMember } from '../../../src/main/engine/network/clock-member'
import { MigrationLoadClient, PROBE_NS } from '../../../src/main/engine/migration/load-client'

const ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')

describe.skipIf(!existsSync(ELF))('the probe of a migration load client after wall-clock pacing', () => {
  it('a paced web VM a fraction of a cycle below its timer, host time past 2^31 ns: the probe is answered', () => {
    let wallMs = 0
    const rt = new HostRuntime({ factory: createGuestVm, now: () => wallMs, paceIdle: true })
    // the host network ran events before this VM joined (another VM was here): present past 2^31 - a little, fractional
    rt.network.events.runUntil(2_100_000_000.002)
    const elf = new Uint8Array(readFileSync(ELF))
    rt.boot('web', { name: 'web', memoryMiB: 16, mode: 'hardware-assisted', nic: 'virtio', vtpm: false, cmdline: 'selftest=0 workload=web' }, elf)
    let serial = ''
    const pump = (): void => {
      rt.runRound()
      for (const s of rt.collectBatch()?.serial ?? []) serial += new TextDecoder().decode(s.bytes)
    }
    for (let i = 0; i < 200_000 && !serial.includes('web: serving'); i++) {
      pump()
      wallMs += 1
    }
    expect(serial).toContain('web: serving')
    for (let i = 0; i < 50; i++) {
      pump()
      wallMs += 1
    }
    const vm = rt.instance('web')
    const timer = (vm as typeof vm & ClockMember).sleepingUntil()
    expect(timer).not.toBeNull()
    expect(timer).toBeLessThan(Infinity)
    // the wall clock reads a hair less than the guest's next timer (a fractional performance.now())
    wallMs += ((timer as number) - vm.stats().virtualCycles) / 1e6 - 2.5e-13
    for (let i = 0; i < 3; i++) pump()
    expect(Number.isInteger(vm.stats().virtualCycles)).toBe(true)
    // the migration's source: detach, start the client, run the probe
    const guest = rt.detach('web')
    const load = MigrationLoadClient.start(rt.network, 'web', 1_000_000, () => {})
    if (!load) throw new Error('no load client')
    const before = guest.stats().virtualCycles
    guest.runFor(PROBE_NS)
    expect(guest.stats().virtualCycles - before).toBeGreaterThanOrEqual(PROBE_NS)
    expect(Number.isInteger(guest.stats().virtualCycles)).toBe(true)
    expect(load.client.records.length).toBeGreaterThanOrEqual(PROBE_NS / 1_000_000 - 1)
    expect(load.client.records.filter((r) => r.answeredAt >= 0).length).toBeGreaterThan(0)
    expect(load.settleProbe()).toBe(true)
  })
})
