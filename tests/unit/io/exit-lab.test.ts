// The I/O-exit lab on the real engine: guest code in a hardware-assisted VM, exits counted by the VMM.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runExitWorkload } from '../../../src/main/engine/labs/io/exit-lab'

const dir = join(__dirname, '../../../resources/guest/iolab')
const trapElf = new Uint8Array(readFileSync(join(dir, 'exit-trap.elf')))
const pollElf = new Uint8Array(readFileSync(join(dir, 'exit-poll.elf')))

describe('I/O-exit lab', () => {
  it('A: 1,000,000 writes to a trapping register are exactly 1,000,000 exits', () => {
    const a = runExitWorkload('trap', trapElf, { values: 1_000_000, workPerValue: 2, pollPeriodCycles: 1_000_000 })
    expect(a.exits).toBe(1_000_000)
    expect(a.exitsByReason).toEqual({ mmio: 1_000_000 })
    expect(a.deviceValues).toBe(1_000_000)
    expect(a.deviceChecksum).toBe(a.guestChecksum)
    // every exit is charged vmExit + insnEmulation + userspaceExit (7,600 cycles by default)
    expect(a.exitCycles).toBe(1_000_000 * 7_600)
    expect(a.virtualCycles).toBe(a.instructions + a.exitCycles)
  }, 120_000)

  it('B: the same values through a directly mapped ring polled every 1 ms: ~1,000 exits per virtual second', () => {
    const b = runExitWorkload('poll', pollElf, { values: 1_000_000, workPerValue: 4, pollPeriodCycles: 1_000_000 })
    expect(b.deviceValues).toBe(1_000_000)
    expect(b.deviceChecksum).toBe(b.guestChecksum)
    expect(Object.keys(b.exitsByReason)).toEqual(['timer'])
    expect(b.exits).toBe(b.polls)
    const seconds = b.virtualCycles / 1e9
    expect(seconds).toBeGreaterThan(0.03) // enough polls (> 30) for the 1 % bound to mean something
    expect(Math.abs(b.exits - 1000 * seconds)).toBeLessThanOrEqual(0.01 * 1000 * seconds)
  }, 120_000)

  it('cost parameters are editable and change virtual time, not exit counts', () => {
    const cheap = runExitWorkload('trap', trapElf, { values: 20_000, workPerValue: 2, pollPeriodCycles: 1e6, costs: { userspaceExit: 0 } })
    const dear = runExitWorkload('trap', trapElf, { values: 20_000, workPerValue: 2, pollPeriodCycles: 1e6 })
    expect(cheap.exits).toBe(dear.exits)
    expect(dear.virtualCycles - cheap.virtualCycles).toBe(20_000 * 5_700)
  })
})
