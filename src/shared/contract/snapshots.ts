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

/** An archive anywhere on the machine running the service (desktop: picked in a file dialog). Only a service
 * with a file dialog (the Electron app) takes paths; the lab server refuses them (SNAPSHOT_ARCHIVE_PATH). */
export const ArchivePathSchema = z.string().min(2).max(4096).regex(/^(\/|[A-Za-z]:[\\/])[^\0]*$/, { message: 'SNAPSHOT_ARCHIVE_PATH' })

export const SnapshotOpSchema = z.enum(['take', 'revert', 'export', 'import'])

/** Lab server HTTP endpoints for browsers (same access token cookie as the app): an archive of the archive folder
 * as a download, and an upload into the archive folder (then imported with snapshots.import). */
export const ARCHIVE_DOWNLOAD_PATH = '/api/archives/'
export const ARCHIVE_UPLOAD_PATH = '/api/archives'
/** The largest archive the lab server accepts as an upload. */
export const ARCHIVE_UPLOAD_MAX_BYTES = 2 * 1024 * 1024 * 1024
/** What the upload endpoint answers: the stored file (import it next) or a coded error. */
export const ArchiveUploadReplySchema = z.union([
  z.strictObject({ ok: z.literal(true), file: ArchiveFileSchema, sizeBytes: z.number() }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) }) })
])

/** The store check (fsck): counts, and each problem as an error code with its parameters (VMs by name). */
export const SnapshotCheckSchema = z.strictObject({
  ok: z.boolean(),
  vms: z.number(),
  snapshots: z.number(),
  pages: z.number(),
  packBytes: z.number(),
  /** Leftovers of interrupted writes: harmless, removed when the store is next opened. */
  leftovers: z.number(),
  problems: z.array(z.strictObject({ code: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) }))
})
export type SnapshotCheckDto = z.infer<typeof SnapshotCheckSchema>

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
  /** Write the VM and all its snapshots to an archive: in the service's archive folder, or at `path` (desktop). */
  'snapshots.export': defineCommand(
    z.strictObject({ vmId: IdSchema, path: ArchivePathSchema.optional() }),
    z.strictObject({ file: z.string(), path: z.string(), sizeBytes: z.number(), snapshots: z.number(), pages: z.number() })
  ),
  /** Desktop: ask the user for an archive file (a save or an open dialog); null when cancelled. The lab server has
   * no dialog (SNAPSHOT_NO_FILE_DIALOG): browsers download and upload instead. */
  'snapshots.pickArchive': defineCommand(
    z.strictObject({ mode: z.enum(['save', 'open']), suggestedName: z.string().max(200) }),
    z.strictObject({ path: z.string().nullable() })
  ),
  /** Check the whole store as fsck does (reads every manifest and page, changes nothing). */
  'snapshots.check': defineCommand(z.strictObject({}), SnapshotCheckSchema),
  /** Archives in the service's archive folder. */
  'snapshots.archives': defineCommand(z.strictObject({}), z.strictObject({ folder: z.string(), archives: z.array(ArchiveInfoSchema) })),
  /** Import an archive (from the archive folder, or at `path` on the desktop) as a new VM; an existing name is
   * refused (SNAPSHOT_IMPORT_VM_EXISTS), or the VM is renamed when asked. */
  'snapshots.import': defineCommand(
    z.strictObject({ file: ArchiveFileSchema.optional(), path: ArchivePathSchema.optional(), rename: z.boolean() }),
    VmSummarySchema
  )
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
  'SNAPSHOT_ARCHIVE_NOT_FOUND',
  'SNAPSHOT_ARCHIVE_PATH',
  'SNAPSHOT_NO_FILE_DIALOG',
  'SNAPSHOT_UPLOAD_TOO_LARGE'
] as const
