// Migration parameters under QEMU's names (qapi/migration.json) with QEMU's defaults, plus the two Xen-style
// give-up limits and the link latency our link model needs.
import { EngineError } from '../errors'

export interface MigrationParams {
  /** Link bandwidth in bytes per second. QEMU default: MAX_THROTTLE = 128 MiB/s (migration/migration.c). */
  'max-bandwidth': number
  /** Longest pause the switchover may cause, in milliseconds. QEMU default 300. */
  'downtime-limit': number
  /** Capability: throttle the vCPU when the guest dirties memory faster than the link sends it. */
  'auto-converge': boolean
  /** First throttle step in percent (QEMU default 20). */
  'cpu-throttle-initial': number
  /** Throttle increase per step in percent (QEMU default 10). */
  'cpu-throttle-increment': number
  /** Highest throttle in percent (QEMU default 99). */
  'max-cpu-throttle': number
  /** Throttle when the bytes dirtied in a period exceed this percentage of the bytes sent (QEMU default 50). */
  'throttle-trigger-threshold': number
  /** Capability: re-sent pages travel as XBZRLE deltas against a cache of what was sent before. */
  xbzrle: boolean
  /** XBZRLE cache size in bytes (QEMU default 64 MiB). */
  'xbzrle-cache-size': number
  /** Capability: post-copy — switch at once, the destination fetches pages on demand. */
  'postcopy-ram': boolean
  /** Xen's give-up rule: stop iterating after this many rounds (Xen used 30). With auto-converge it counts only
   * once the throttle has reached max-cpu-throttle. */
  'max-rounds': number
  /** Xen's give-up rule: stop iterating once this multiple of RAM has been sent (Xen used 3). With auto-converge
   * it counts only once the throttle has reached max-cpu-throttle. */
  'max-total-factor': number
  /** One-way link latency in microseconds. Default 50 µs: a 1 GbE LAN ping round trip is about 0.1 ms. */
  'link-latency': number
}

export const MIB = 1024 * 1024

export const DEFAULT_MIGRATION_PARAMS: Readonly<MigrationParams> = Object.freeze({
  'max-bandwidth': 128 * MIB,
  'downtime-limit': 300,
  'auto-converge': false,
  'cpu-throttle-initial': 20,
  'cpu-throttle-increment': 10,
  'max-cpu-throttle': 99,
  'throttle-trigger-threshold': 50,
  xbzrle: false,
  'xbzrle-cache-size': 64 * MIB,
  'postcopy-ram': false,
  'max-rounds': 30,
  'max-total-factor': 3,
  'link-latency': 50
})

/** 1 Gbit/s in bytes per second (the benchmark's link). */
export const GIGABIT_PER_SECOND = 125_000_000

interface Range {
  min: number
  max: number
  integer: boolean
}

const NUMERIC_RANGES: Partial<Record<keyof MigrationParams, Range>> = {
  'max-bandwidth': { min: 1, max: 1e12, integer: false },
  'downtime-limit': { min: 1, max: 2_000_000, integer: false },
  'cpu-throttle-initial': { min: 1, max: 99, integer: true },
  'cpu-throttle-increment': { min: 1, max: 99, integer: true },
  'max-cpu-throttle': { min: 1, max: 99, integer: true },
  'throttle-trigger-threshold': { min: 1, max: 100, integer: true },
  'xbzrle-cache-size': { min: 0, max: 1e12, integer: true },
  'max-rounds': { min: 1, max: 100_000, integer: true },
  'max-total-factor': { min: 1, max: 1000, integer: false },
  'link-latency': { min: 0, max: 10_000_000, integer: false }
}

/** Defaults overlaid with `overrides`; throws MIGRATION_BAD_PARAMETER {name, value} for a value out of range. */
export function resolveMigrationParams(overrides: Partial<MigrationParams> = {}): MigrationParams {
  const p: MigrationParams = { ...DEFAULT_MIGRATION_PARAMS, ...overrides }
  for (const [name, range] of Object.entries(NUMERIC_RANGES) as [keyof MigrationParams, Range][]) {
    const v = p[name]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < range.min || v > range.max || (range.integer && !Number.isInteger(v))) {
      throw new EngineError('MIGRATION_BAD_PARAMETER', `migration parameter ${name} out of range: ${String(v)}`, {
        name,
        value: String(v)
      })
    }
  }
  if (p['cpu-throttle-initial'] > p['max-cpu-throttle']) {
    throw new EngineError('MIGRATION_BAD_PARAMETER', 'cpu-throttle-initial exceeds max-cpu-throttle', {
      name: 'cpu-throttle-initial',
      value: String(p['cpu-throttle-initial'])
    })
  }
  return p
}
