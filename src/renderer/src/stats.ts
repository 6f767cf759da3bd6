// Figures computed from a VM's statistics history (kept apart from the store so they can be checked without a
// service): the virtual ÷ wall time ratio of the VM page.

/** What the ratio needs of a VM's history: wall and virtual clocks per sample, the last sample, and whether the
 * VM moved host (its wall clock restarted there, its virtual clock did not). */
export interface ClockSamples {
  wallMs: number[]
  virtual: number[]
  last: { virtualCycles: number; wallMs: number } | null
  moved: boolean
}

/** Virtual time the guest saw per unit of wall time over the samples held (after a migration only those on the
 * new host; virtual cycles at the nominal 1 GHz), or null when that cannot be said yet. */
export function clockRatio(h: ClockSamples | undefined): number | null {
  if (!h?.last) return null
  const n = h.wallMs.length
  if (n >= 2 && h.wallMs[n - 1] > h.wallMs[0]) return (h.virtual[n - 1] - h.virtual[0]) / 1e6 / (h.wallMs[n - 1] - h.wallMs[0])
  return !h.moved && h.last.wallMs > 0 ? h.last.virtualCycles / 1e6 / h.last.wallMs : null
}
