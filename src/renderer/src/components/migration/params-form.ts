// The Migrate dialog's parameter fields: engine units (bytes/s, bytes) shown in MiB/s and MiB.
import type { FullMigrationParams } from '@shared/contract'

export type ParamName = keyof FullMigrationParams
export const MIB = 1024 * 1024

/** Shown in this order; `advanced` ones sit behind the Advanced toggle. postcopy-ram is the mode choice. */
export const PARAM_FIELDS: { name: ParamName; kind: 'number' | 'bool'; scale: number; advanced: boolean; precopyOnly: boolean }[] = [
  { name: 'max-bandwidth', kind: 'number', scale: MIB, advanced: false, precopyOnly: false },
  { name: 'downtime-limit', kind: 'number', scale: 1, advanced: false, precopyOnly: true },
  { name: 'auto-converge', kind: 'bool', scale: 1, advanced: false, precopyOnly: true },
  { name: 'xbzrle', kind: 'bool', scale: 1, advanced: false, precopyOnly: true },
  { name: 'cpu-throttle-initial', kind: 'number', scale: 1, advanced: true, precopyOnly: true },
  { name: 'cpu-throttle-increment', kind: 'number', scale: 1, advanced: true, precopyOnly: true },
  { name: 'max-cpu-throttle', kind: 'number', scale: 1, advanced: true, precopyOnly: true },
  { name: 'throttle-trigger-threshold', kind: 'number', scale: 1, advanced: true, precopyOnly: true },
  { name: 'xbzrle-cache-size', kind: 'number', scale: MIB, advanced: true, precopyOnly: true },
  { name: 'max-rounds', kind: 'number', scale: 1, advanced: true, precopyOnly: true },
  { name: 'max-total-factor', kind: 'number', scale: 1, advanced: true, precopyOnly: true },
  { name: 'link-latency', kind: 'number', scale: 1, advanced: true, precopyOnly: false }
]

/** Display value of a parameter (MiB for byte sizes, rounded to 3 decimals). */
export function shown(params: FullMigrationParams, name: ParamName, scale: number): number | boolean {
  const v = params[name]
  return typeof v === 'number' ? Math.round((v / scale) * 1000) / 1000 : v
}
