// The renderer's own arithmetic: the VM page's virtual ÷ wall ratio (over the samples held, not fooled by a VM that
// moved host with its virtual clock running on) and the unit texts (durations, byte counts) the pages show.
import { describe, expect, it } from 'vitest'
import { clockRatio } from '../../../src/renderer/src/stats'
import { bytesSi, duration } from '../../../src/renderer/src/format'

describe('virtual ÷ wall ratio', () => {
  it('is the change of virtual time over the change of wall time across the samples', () => {
    // 2 s of wall time in which the guest saw 1 s of virtual time (1e9 cycles at 1 GHz): lagging at 0.5
    const h = { wallMs: [1000, 2000, 3000], virtual: [4e9, 4.5e9, 5e9], last: { virtualCycles: 5e9, wallMs: 3000 }, moved: false }
    expect(clockRatio(h)).toBeCloseTo(0.5, 12)
  })

  it('after a migration, a lone first sample on the new host says nothing (its totals do not pair)', () => {
    const moved = { wallMs: [400], virtual: [30e9], last: { virtualCycles: 30e9, wallMs: 400 }, moved: true }
    expect(clockRatio(moved)).toBeNull()
    // the same lone sample of a VM that did not move: total virtual over total wall
    expect(clockRatio({ ...moved, moved: false })).toBeCloseTo(75, 12)
  })

  it('has nothing to say before the first sample', () => {
    expect(clockRatio(undefined)).toBeNull()
    expect(clockRatio({ wallMs: [], virtual: [], last: null, moved: false })).toBeNull()
  })
})

describe('unit texts', () => {
  it('writes durations with SI symbols and a space', () => {
    expect([9_999, 65_000, 3 * 3600_000 + 4 * 60_000].map(duration)).toEqual(['9 s', '1 min 05 s', '3 h 04 min'])
  })

  it('writes byte counts with the prefix on the unit', () => {
    expect([0, 512, 223_456, 67_108_864, 1_500_000_000].map(bytesSi)).toEqual(['0 B', '512 B', '223 kB', '67 MB', '1.5 GB'])
  })
})
