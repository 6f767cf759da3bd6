// Statistics for the isolation lab: escape rates with 95% Wilson score intervals (Wilson 1927; the interval
// recommended by Brown, Cai & DasGupta 2001 for small n) and the quantiles of time-to-escape.

/** z for a two-sided 95% interval. */
export const Z95 = 1.959964

export interface Interval {
  low: number
  high: number
}

/** The Wilson score interval of `k` successes in `n` trials ([0, 1] for n = 0). */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n === 0) return { low: 0, high: 1 }
  const p = k / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denom
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}

export interface Quantiles {
  min: number
  median: number
  p90: number
  max: number
  mean: number
}

/** Nearest-rank quantiles; null for an empty sample. */
export function quantiles(xs: readonly number[]): Quantiles | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]
  return { min: s[0], median: at(0.5), p90: at(0.9), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length }
}
