// Number formatting for tables and chart axes.
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '–'
  const a = Math.abs(n)
  if (a >= 1e9) return (n / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G'
  if (a >= 1e6) return (n / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M'
  if (a >= 1e3) return (n / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k'
  return n.toFixed(a > 0 && a < 10 ? 1 : 0)
}

/** A byte count with an SI prefix and a space before the unit, as the rest of the app writes units: '223 kB'. */
export function bytesSi(n: number): string {
  return `${compact(n)} B`.replace(/(\d)([kMG]) B$/, '$1 $2B')
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

/** Wall-clock time as '42 s', '3 min 05 s', '2 h 03 min' (SI symbols, read the same in both languages). */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000)
  const m = Math.floor(s / 60)
  const h = Math.floor(m / 60)
  if (h > 0) return `${h} h ${String(m % 60).padStart(2, '0')} min`
  return m > 0 ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`
}
