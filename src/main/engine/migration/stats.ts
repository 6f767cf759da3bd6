// Migration statistics under QEMU's query-migrate names, plus per-round figures. Times are virtual
// milliseconds (link model), sizes are bytes.
import type { RefusalReason } from './blockers'

/** QEMU's states; 'wait-unplug': a VF + virtio failover pair's guest is releasing its VF before pages are sent. */
export type MigrationStatus = 'setup' | 'wait-unplug' | 'active' | 'postcopy-active' | 'completed' | 'failed' | 'cancelled'

/** A VF + virtio failover pair in a migration (QEMU's virtio-net failover): the source asks the guest to release
 * the VF and waits ('wait-unplug'), the guest's traffic moves to the virtio standby, which migrates; the
 * destination plugs a VF of its own when it has a free one. */
export interface FailoverMigrationInfo {
  /** Virtual ms the source waited for the guest to release its VF (0: it had none plugged). */
  'unplug-time': number
  /** The guest did not release it in time and the VF was taken away without its consent. */
  'surprise-removal': boolean
  /** After the switchover: a VF was plugged at the destination ('primary'), or it had none free and the VM runs
   * on its standby ('standby'); null before. */
  destination: 'primary' | 'standby' | null
}

export type SwitchoverReason = 'converged' | 'round-limit' | 'total-limit' | 'postcopy'

export interface MigrationRound {
  round: number
  /** Pages sent in this round (zero markers included). */
  pagesSent: number
  /** Pages the guest dirtied while this round was being sent (the next round's size). */
  pagesDirtied: number
  /** Virtual duration of the round in ms. */
  durationMs: number
  bytes: number
  /** cpu-throttle-percentage during the round. */
  throttle: number
}

export interface XbzrleStats {
  'cache-size': number
  bytes: number
  pages: number
  'cache-miss': number
  overflow: number
}

export interface MigrationInfo {
  status: MigrationStatus
  'setup-time': number
  'total-time': number
  'expected-downtime': number
  /** Measured pause in ms; null until switchover. */
  downtime: number | null
  /** Guest RAM size in bytes (QEMU ram.total). */
  total: number
  transferred: number
  remaining: number
  /** Zero pages sent as markers. */
  duplicate: number
  /** Full pages sent. */
  normal: number
  'normal-bytes': number
  'dirty-pages-rate': number
  'dirty-sync-count': number
  mbps: number
  'pages-per-second': number
  'cpu-throttle-percentage': number
  'postcopy-requests': number
  'blocked-reasons': RefusalReason[]
  'xbzrle-cache': XbzrleStats | null
  rounds: MigrationRound[]
  'switchover-reason': SwitchoverReason | null
  /** 0..100, never decreases (remaining may grow when pages are re-dirtied; this does not). */
  percent: number
  error: RefusalReason | null
  /** Only for a VM with a VF + virtio failover pair. */
  failover?: FailoverMigrationInfo | null
}

export function emptyInfo(total: number): MigrationInfo {
  return {
    status: 'setup',
    'setup-time': 0,
    'total-time': 0,
    'expected-downtime': 0,
    downtime: null,
    total,
    transferred: 0,
    remaining: total,
    duplicate: 0,
    normal: 0,
    'normal-bytes': 0,
    'dirty-pages-rate': 0,
    'dirty-sync-count': 0,
    mbps: 0,
    'pages-per-second': 0,
    'cpu-throttle-percentage': 0,
    'postcopy-requests': 0,
    'blocked-reasons': [],
    'xbzrle-cache': null,
    rounds: [],
    'switchover-reason': null,
    percent: 0,
    error: null,
    failover: null
  }
}

export function cloneInfo(info: MigrationInfo): MigrationInfo {
  return {
    ...info,
    'blocked-reasons': info['blocked-reasons'].map((r) => ({ code: r.code, params: { ...r.params } })),
    'xbzrle-cache': info['xbzrle-cache'] ? { ...info['xbzrle-cache'] } : null,
    rounds: info.rounds.map((r) => ({ ...r })),
    error: info.error ? { code: info.error.code, params: { ...info.error.params } } : null,
    failover: info.failover ? { ...info.failover } : null
  }
}

/** Per-round history as CSV (one row per round), for export. */
export function roundsCsv(info: MigrationInfo): string {
  const head = 'round,pages_sent,pages_dirtied,duration_ms,bytes,cpu_throttle_percentage'
  const rows = info.rounds.map((r) => [r.round, r.pagesSent, r.pagesDirtied, r.durationMs.toFixed(3), r.bytes, r.throttle].join(','))
  return [head, ...rows].join('\n') + '\n'
}
