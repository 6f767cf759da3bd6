// Number formatting for tables and chart axes.
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '–'
  const a = Math.abs(n)
  if (a >= 1e9) return (n / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G'
  if (a >= 1e6) return (n / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M'
  if (a >= 1e3) return (n / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k'
  return n.toFixed(a > 0 && a < 10 ? 1 : 0)
}

export function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** Virtual cycles at the nominal 1 GHz as a duration. */
export function virtualTime(cycles: number): string {
  const s = cycles / 1e9
  if (s >= 1) return s.toFixed(3) + ' s'
  return (s * 1000).toFixed(2) + ' ms'
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000)
  const m = Math.floor(s / 60)
  return m > 0 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`
}
