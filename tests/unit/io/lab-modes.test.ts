// The I/O labs under trap-and-emulate: directly mapped device pages (the exit lab's polled ring, the SR-IOV VF's
// register page) are shadow leaves pointing at the device, so guest accesses reach it without exits — only the
// first touch of each page fills the shadow. The same guest ELFs run in both modes.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runExitWorkload } from '../../../src/main/engine/labs/io/exit-lab'
import { LAB_RING_SIZE } from '../../../src/main/engine/labs/io/lab-device'
import { netLabImage, runNetPath, type NetPath } from '../../../src/main/engine/labs/io/net-lab'

const dir = join(__dirname, '../../../resources/guest/iolab')
const elf = (name: string) => new Uint8Array(readFileSync(join(dir, name)))
const image = (p: NetPath) => elf(netLabImage(p))

describe('I/O-exit lab in trap-and-emulate', () => {
  it('A: every trapping register write is one mmio exit, exactly', () => {
    const a = runExitWorkload('trap', elf('exit-trap.elf'), { values: 200_000, workPerValue: 2, pollPeriodCycles: 1_000_000, mode: 'trap-and-emulate' })
    expect(a.mode).toBe('trap-and-emulate')
    expect(a.exitsByReason).toEqual({ mmio: 200_000 })
    expect(a.deviceChecksum).toBe(a.guestChecksum)
  }, 60_000)

  it('B: the ring is reached without exits; exits are the 1 ms polls plus one shadow fill per ring page', () => {
    const b = runExitWorkload('poll', elf('exit-poll.elf'), { values: 1_000_000, workPerValue: 4, pollPeriodCycles: 1_000_000, mode: 'trap-and-emulate' })
    expect(b.mode).toBe('trap-and-emulate')
    expect(b.deviceValues).toBe(1_000_000)
    expect(b.deviceChecksum).toBe(b.guestChecksum)
    expect(b.exitsByReason.mmio ?? 0).toBe(0)
    const fills = b.exitsByReason['shadow-page-fault'] ?? 0
    expect(fills).toBeGreaterThan(0)
    expect(fills).toBeLessThanOrEqual(LAB_RING_SIZE / 4096)
    expect(b.exitsByReason.timer).toBe(b.polls)
    const seconds = b.virtualCycles / 1e9
    expect(Math.abs(b.polls - 1000 * seconds)).toBeLessThanOrEqual(0.01 * 1000 * seconds + 1)
  }, 120_000)
})

describe('network lab in trap-and-emulate', () => {
  const params = { packets: 160, pings: 10, frameSize: 64, mode: 'trap-and-emulate' as const }
  const rows = (['emulated', 'virtio', 'sriov-vf'] as const).map((p) => runNetPath(p, image(p), params))
  const row = (p: NetPath) => rows.find((r) => r.path === p) ?? expect.unreachable()

  it('delivers every frame on every path, VF included (its page mapped through the shadow)', () => {
    for (const r of rows) {
      expect(r.mode).toBe('trap-and-emulate')
      expect(r.delivered).toBe(160)
      expect(r.pings).toBe(10)
    }
    expect(row('sriov-vf').postedInterrupts).toBeGreaterThan(0)
  })

  it('the VF costs no device exits: what remains are the guest clock reads trap-and-emulate traps', () => {
    const vf = row('sriov-vf').exitsByReason
    // the only mmio exits are the lab's phase markers (start/end of two phases, minus the first start)
    expect(vf.mmio ?? 0).toBeLessThanOrEqual(3)
    const emu = row('emulated').exitsByReason
    expect(emu.mmio).toBeGreaterThan(3 * 160)
    // trap-and-emulate traps every rdtime: the same count on every path for the same workload shape
    expect(vf['privileged-insn']).toBeGreaterThan(0)
    expect(row('sriov-vf').rttMeanNs).toBeLessThan(row('emulated').rttMeanNs)
  })
})
