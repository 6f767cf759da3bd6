// Live migration between hosts: parameters under QEMU's names, statistics under QEMU's query-migrate names,
// per-round figures, and a history of migrations. The engine (src/main/engine/migration) is authoritative for
// defaults and ranges; 'migrations.defaults' returns them.
import { z } from 'zod'
import { defineCommand, defineEvent } from './define'
import { EmptySchema, IdSchema } from './common'
import { ErrorPayloadSchema } from './vms'

const num = z.number()

/** Every parameter optional: what the Migrate dialog sends (unset = the default). */
export const MigrationParamsSchema = z.strictObject({
  'max-bandwidth': num.positive().optional(),
  'downtime-limit': num.positive().optional(),
  'auto-converge': z.boolean().optional(),
  'cpu-throttle-initial': num.int().optional(),
  'cpu-throttle-increment': num.int().optional(),
  'max-cpu-throttle': num.int().optional(),
  'throttle-trigger-threshold': num.int().optional(),
  xbzrle: z.boolean().optional(),
  'xbzrle-cache-size': num.int().min(0).optional(),
  'postcopy-ram': z.boolean().optional(),
  'max-rounds': num.int().positive().optional(),
  'max-total-factor': num.positive().optional(),
  'link-latency': num.min(0).optional()
})
export type MigrationParamsInput = z.infer<typeof MigrationParamsSchema>
export const FullMigrationParamsSchema = MigrationParamsSchema.required()
export type FullMigrationParams = z.infer<typeof FullMigrationParamsSchema>
export const MIGRATION_PARAM_NAMES = Object.keys(MigrationParamsSchema.shape) as (keyof FullMigrationParams)[]

export const MIGRATION_STATUSES = ['setup', 'wait-unplug', 'active', 'postcopy-active', 'completed', 'failed', 'cancelled'] as const
export const MigrationStatusSchema = z.enum(MIGRATION_STATUSES)

export const MigrationRoundSchema = z.strictObject({
  round: z.number().int(),
  pagesSent: z.number().int(),
  pagesDirtied: z.number().int(),
  durationMs: z.number(),
  bytes: z.number(),
  throttle: z.number()
})
export type MigrationRoundDto = z.infer<typeof MigrationRoundSchema>

/** QEMU's query-migrate fields (times in virtual ms, sizes in bytes). */
export const MigrationInfoSchema = z.strictObject({
  status: MigrationStatusSchema,
  'setup-time': num,
  'total-time': num,
  'expected-downtime': num,
  downtime: num.nullable(),
  total: num,
  transferred: num,
  remaining: num,
  duplicate: num,
  normal: num,
  'normal-bytes': num,
  'dirty-pages-rate': num,
  'dirty-sync-count': num,
  mbps: num,
  'pages-per-second': num,
  'cpu-throttle-percentage': num,
  'postcopy-requests': num,
  'blocked-reasons': z.array(ErrorPayloadSchema),
  'xbzrle-cache': z
    .strictObject({ 'cache-size': num, bytes: num, pages: num, 'cache-miss': num, overflow: num })
    .nullable(),
  rounds: z.array(MigrationRoundSchema),
  'switchover-reason': z.enum(['converged', 'round-limit', 'total-limit', 'postcopy']).nullable(),
  percent: num,
  error: ErrorPayloadSchema.nullable(),
  /** A VF + virtio failover pair (engine/migration/stats.ts FailoverMigrationInfo). */
  failover: z
    .strictObject({ 'unplug-time': num, 'surprise-removal': z.boolean(), destination: z.enum(['primary', 'standby']).nullable() })
    .nullable()
    .optional()
})
export type MigrationInfoDto = z.infer<typeof MigrationInfoSchema>

/** One client-latency sample: a request sent `tMs` virtual ms after the migration started (negative: during the
 * probe before it) and answered `latencyMs` later. */
export const LatencySampleSchema = z.strictObject({ tMs: num, latencyMs: num })

/** The client load generator of a migration (a VM whose NIC is on the host network): `probing` before the start,
 * `no-answer` when the guest did not answer (not serving `web`), `running`, `done` after the tail at the
 * destination. Latencies and the longest gap between answers in virtual ms. */
export const MigrationClientSchema = z.strictObject({
  status: z.enum(['probing', 'running', 'no-answer', 'done']),
  intervalMs: num,
  sent: num,
  answered: num,
  lost: num,
  duplicates: num,
  counterBreaks: num,
  meanLatencyMs: num,
  maxLatencyMs: num,
  maxGapMs: num
})
export type MigrationClientDto = z.infer<typeof MigrationClientSchema>

export const MigrationRecordSchema = z.strictObject({
  id: IdSchema,
  vmId: IdSchema,
  vmName: z.string(),
  sourceHostId: IdSchema,
  targetHostId: IdSchema,
  /** Order of starting (a counter, not a clock). */
  seq: z.number().int(),
  params: FullMigrationParamsSchema,
  info: MigrationInfoSchema,
  destination: z.strictObject({
    status: z.enum(['pending', 'accepted', 'postcopy', 'resumed', 'refused', 'discarded', 'failed']),
    code: z.string().nullable()
  }),
  finished: z.boolean(),
  latency: z.array(LatencySampleSchema),
  /** null: no client (the VM has no NIC on the host network). */
  client: MigrationClientSchema.nullable()
})
export type MigrationRecord = z.infer<typeof MigrationRecordSchema>

export const MigrationStartSchema = z.strictObject({ vmId: IdSchema, targetHostId: IdSchema, params: MigrationParamsSchema })
export const MigrationPreflightSchema = z.strictObject({ vmId: IdSchema, targetHostId: IdSchema })
export const MigrationBlockersSchema = z.strictObject({ vmId: IdSchema })
export const MigrationExportSchema = z.strictObject({ format: z.enum(['csv', 'json']) })

export const migrationCommands = {
  /** The engine's defaults (QEMU's, plus Xen's limits and the link latency). */
  'migrations.defaults': defineCommand(EmptySchema, FullMigrationParamsSchema),
  /** Reasons the migration would be refused (empty: it may start). */
  'migrations.preflight': defineCommand(MigrationPreflightSchema, z.strictObject({ reasons: z.array(ErrorPayloadSchema) })),
  /** Why this VM cannot migrate to any host now (not running, a passthrough device, no other host, one already
   * migrating); empty: it may migrate (the target's own checks come with 'migrations.preflight'). */
  'migrations.blockers': defineCommand(MigrationBlockersSchema, z.strictObject({ reasons: z.array(ErrorPayloadSchema) })),
  'migrations.start': defineCommand(MigrationStartSchema, MigrationRecordSchema),
  'migrations.cancel': defineCommand(z.strictObject({ id: IdSchema }), MigrationRecordSchema),
  /** Inject a link drop (teaching: what happens when the network fails mid-migration). */
  'migrations.dropLink': defineCommand(z.strictObject({ id: IdSchema }), MigrationRecordSchema),
  /** Every migration since the service started, newest last. */
  'migrations.list': defineCommand(EmptySchema, z.array(MigrationRecordSchema)),
  /** The history as a file: CSV (one row per round of every migration) or JSON (the records). */
  'migrations.export': defineCommand(MigrationExportSchema, z.strictObject({ text: z.string(), mime: z.string(), filename: z.string() }))
}

export const migrationEvents = {
  /** A migration's record changed (progress, status, destination outcome); at most ~10 Hz per migration. */
  'migration.progress': defineEvent(MigrationRecordSchema)
}

export const migrationErrorCodes = [
  'MIGRATION_BAD_PARAMETER',
  'MIGRATION_ALREADY_STARTED',
  'MIGRATION_BLOCKED',
  'MIGRATION_BLOCKED_PASSTHROUGH',
  'MIGRATION_REFUSED',
  'MIGRATION_SAME_HOST',
  'MIGRATION_DEST_NO_MEMORY',
  'MIGRATION_DEST_LACKS_CAPABILITY',
  'MIGRATION_CANCELLED',
  'MIGRATION_LINK_DOWN',
  'MIGRATION_POSTCOPY_LINK_LOST',
  'MIGRATION_VERIFY_FAILED',
  'MIGRATION_PROTOCOL',
  'MIGRATION_INTERNAL',
  'MIGRATION_NOT_FOUND',
  'MIGRATION_VM_NOT_RUNNING',
  'MIGRATION_IN_PROGRESS',
  'MIGRATION_NO_OTHER_HOST',
  'MIGRATION_FINISHED'
] as const
