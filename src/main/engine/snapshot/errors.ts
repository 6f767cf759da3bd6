// Error codes of the snapshot store. Every error that reaches a user is an EngineError with one of these codes and
// the parameters named here; the app translates the code (English and 简体中文 texts live in the app's catalogue;
// SNAPSHOT_MESSAGES below is the English text used by logs and the fsck command).
import { EngineError } from '../errors'

export const SNAPSHOT_MESSAGES = {
  SNAPSHOT_VM_NOT_FOUND: 'No VM {vm} in the snapshot store',
  SNAPSHOT_NOT_FOUND: 'VM {vm} has no snapshot {snapshot}',
  SNAPSHOT_VM_EXISTS: 'A VM {vm} already exists in the snapshot store',
  SNAPSHOT_PAGES_CORRUPT: 'Snapshot {snapshot} of VM {vm}: {count} page(s) missing or corrupt ({pages}); the VM was not changed',
  SNAPSHOT_MANIFEST_CORRUPT: 'Snapshot manifest {file} is damaged: {reason}',
  SNAPSHOT_MANIFEST_VERSION: 'Snapshot manifest {file} has format version {found}; this version reads {supported}',
  SNAPSHOT_VM_RECORD_CORRUPT: 'VM record {file} is damaged: {reason}',
  SNAPSHOT_RAM_SIZE_MISMATCH: 'Snapshot {snapshot} holds {expected} bytes of RAM but the VM has {actual}',
  SNAPSHOT_STATE_UNSERIALIZABLE: 'VM state at {path} cannot be stored (not plain data)',
  SNAPSHOT_STORE_VERSION: 'Snapshot store {dir} has format version {found}; this version reads {supported}',
  SNAPSHOT_PACK_CORRUPT: 'Page pack {pack} is damaged: {reason}',
  SNAPSHOT_ARCHIVE_CORRUPT: 'Archive {file} is damaged or not a VM archive: {reason}',
  SNAPSHOT_ARCHIVE_VERSION: 'Archive {file} has format version {found}; this version reads {supported}',
  SNAPSHOT_IMPORT_VM_EXISTS: 'The archive holds VM {vm}, which already exists; choose to import it under a new name',
  SNAPSHOT_BAD_ARGUMENT: 'Invalid {name}: {reason}',
  SNAPSHOT_STORE_BUSY: 'The snapshot store {dir} is in use by another process or operation; try again'
} as const

export type SnapshotErrorCode = keyof typeof SNAPSHOT_MESSAGES
export const SNAPSHOT_ERROR_CODES = Object.keys(SNAPSHOT_MESSAGES) as SnapshotErrorCode[]

/** An EngineError with the English message filled in from its parameters. */
export function snapshotError(code: SnapshotErrorCode, params: Record<string, string | number>): EngineError {
  const message = SNAPSHOT_MESSAGES[code].replace(/\{(\w+)\}/g, (_m, key: string) => String(params[key] ?? `{${key}}`))
  return new EngineError(code, message, params)
}

/** "3, 17, 18 (+12 more)": a short list of page numbers for an error message. */
export function pageListText(pages: readonly number[], max = 8): string {
  const shown = pages.slice(0, max).join(', ')
  return pages.length > max ? `${shown} (+${pages.length - max} more)` : shown
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
