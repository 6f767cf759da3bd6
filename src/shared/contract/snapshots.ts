// Snapshots on disk: each VM's snapshot tree (take, revert, delete, clone) and VM archives (export/import of a
// VM with all its snapshots as one .tar.gz). The engine side is src/main/engine/snapshot (docs/snapshots.md).
import { z } from 'zod'
import { defineCommand, defineEvent } from './define'
import { IdSchema, OkSchema } from './common'
import { VmSummarySchema } from './vms'

export const SnapshotIdSchema = z.string().regex(/^snap-\d{4,}$/, { message: 'ID_FORMAT' })

export const SnapshotInfoSchema = z.strictObject({
  id: SnapshotIdSchema,
  parent: SnapshotIdSchema.nullable(),
  children: z.array(SnapshotIdSchema),
  /** Milliseconds since 1970. */
  time: z.number(),
  description: z.string(),
  /** The VM's state descends from this snapshot (last taken or reverted to). */
  current: z.boolean(),
  ramBytes: z.number(),
  nonZeroBytes: z.number(),
  /** Bytes this snapshot added to the store (the rest is shared with other snapshots). */
  writtenBytes: z.number()
})
export type SnapshotInfoDto = z.infer<typeof SnapshotInfoSchema>

export const SnapshotTreeSchema = z.strictObject({
  vmId: IdSchema,
  current: SnapshotIdSchema.nullable(),
  snapshots: z.array(SnapshotInfoSchema),
  /** The whole store on disk (all VMs share its pages). */
  storeBytes: z.number()
})
export type SnapshotTreeDto = z.infer<typeof SnapshotTreeSchema>

export const SnapshotTakeSchema = z.strictObject({
  vmId: IdSchema,
  description: z.string().max(200),
  /** Keep the guest running while its memory is copied (finishes with a short pause). */
  live: z.boolean()
})

export const SnapshotRefSchema = z.strictObject({ vmId: IdSchema, snapshotId: SnapshotIdSchema })

export const SnapshotCloneSchema = z.strictObject({
  vmId: IdSchema,
  snapshotId: SnapshotIdSchema,
  name: z
    .string()
    .trim()
    .min(1, { message: 'VM_NAME_REQUIRED' })
    .max(40, { message: 'VM_NAME_TOO_LONG' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, { message: 'VM_NAME_FORMAT' })
})

export const ArchiveFileSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.tar\.gz$/, { message: 'SNAPSHOT_ARCHIVE_NAME' })

export const ArchiveInfoSchema = z.strictObject({ file: ArchiveFileSchema, sizeBytes: z.number() })

export const SnapshotOpSchema = z.enum(['take', 'revert', 'export', 'import'])

export const snapshotCommands = {
  /** The VM's snapshot tree (empty for a VM without snapshots). */
  'snapshots.list': defineCommand(z.strictObject({ vmId: IdSchema }), SnapshotTreeSchema),
  'snapshots.take': defineCommand(
    SnapshotTakeSchema,
    z.strictObject({ snapshot: SnapshotInfoSchema, pagesWritten: z.number(), liveRounds: z.number().nullable(), pausePages: z.number().nullable() })
  ),
  /** Restore the VM to the snapshot; a stopped VM is started from it, paused. */
  'snapshots.revert': defineCommand(SnapshotRefSchema, z.strictObject({ vm: VmSummarySchema, pagesRead: z.number(), pagesKept: z.number() })),
  'snapshots.delete': defineCommand(SnapshotRefSchema, OkSchema),
  /** A new (stopped) VM whose first snapshot is this one; revert it to start. */
  'snapshots.clone': defineCommand(SnapshotCloneSchema, VmSummarySchema),
  /** Write the VM and all its snapshots to an archive in the service's archive folder. */
  'snapshots.export': defineCommand(
    z.strictObject({ vmId: IdSchema }),
    z.strictObject({ file: ArchiveFileSchema, path: z.string(), sizeBytes: z.number(), snapshots: z.number(), pages: z.number() })
  ),
  /** Archives in the service's archive folder. */
  'snapshots.archives': defineCommand(z.strictObject({}), z.strictObject({ folder: z.string(), archives: z.array(ArchiveInfoSchema) })),
  /** Import an archive as a new VM; an existing name is refused, or renamed when asked. */
  'snapshots.import': defineCommand(z.strictObject({ file: ArchiveFileSchema, rename: z.boolean() }), VmSummarySchema)
}

export const snapshotEvents = {
  /** Progress of a long operation (at most ~10 Hz). */
  'snapshot.progress': defineEvent(z.strictObject({ vmId: z.string(), op: SnapshotOpSchema, done: z.number(), total: z.number() })),
  /** A VM's snapshot tree changed. */
  'snapshots.changed': defineEvent(z.strictObject({ vmId: IdSchema }))
}

export const snapshotErrorCodes = [
  'SNAPSHOT_VM_NOT_FOUND',
  'SNAPSHOT_NOT_FOUND',
  'SNAPSHOT_VM_EXISTS',
  'SNAPSHOT_PAGES_CORRUPT',
  'SNAPSHOT_MANIFEST_CORRUPT',
  'SNAPSHOT_MANIFEST_VERSION',
  'SNAPSHOT_VM_RECORD_CORRUPT',
  'SNAPSHOT_RAM_SIZE_MISMATCH',
  'SNAPSHOT_STATE_UNSERIALIZABLE',
  'SNAPSHOT_STORE_VERSION',
  'SNAPSHOT_PACK_CORRUPT',
  'SNAPSHOT_ARCHIVE_CORRUPT',
  'SNAPSHOT_ARCHIVE_VERSION',
  'SNAPSHOT_IMPORT_VM_EXISTS',
  'SNAPSHOT_BAD_ARGUMENT',
  'SNAPSHOT_STORE_BUSY',
  'SNAPSHOT_ARCHIVE_NAME',
  'SNAPSHOT_ARCHIVE_NOT_FOUND'
] as const
