// Snapshots: the snapshot tree on the VM page, VM archives (export/import), and the snapshot error codes.
export default {
  snapshots: {
    title: 'Snapshots',
    take: 'Take snapshot',
    description: 'Description',
    descriptionPlaceholder: 'e.g. clean install, before detonation',
    live: 'Live (keep the guest running while copying)',
    revert: 'Revert',
    delete: 'Delete',
    clone: 'Clone…',
    cloneName: 'Name of the new VM',
    cloneTitle: 'Clone “{name}” from snapshot {snapshot}',
    cloneHint: 'The new VM shares this snapshot’s memory pages; revert it to its snapshot to start it.',
    none: 'No snapshots yet. A snapshot keeps the whole VM: memory, vCPU and device state.',
    needsRunning: 'Start the VM to take a snapshot.',
    current: 'current',
    youAreHere: 'You are here',
    size: '{ram} RAM, {used} in use, {written} new on disk',
    storeSize: 'Snapshot store on disk: {size}',
    confirmRevert: 'Revert “{name}” to snapshot “{snapshot}”? Everything since that snapshot is lost unless you take a snapshot first.',
    confirmDelete: 'Delete snapshot “{snapshot}”? Its children stay; pages no other snapshot uses are freed.',
    reverted: 'Reverted to {snapshot}: {read} pages read, {kept} unchanged pages verified in place.',
    taken: 'Snapshot {snapshot} taken: {written} new pages written.',
    cloned: 'VM “{name}” created from the snapshot.',
    progress: {
      take: 'Taking snapshot… {done} of {total} pages',
      revert: 'Reverting… {done} of {total} pages',
      export: 'Exporting {done} of {total} pages…',
      import: 'Importing {done} of {total} bytes…'
    },
    archives: {
      title: 'VM archives',
      export: 'Export VM',
      exported: 'Exported to {path} ({size}, {snapshots} snapshots).',
      import: 'Import',
      importTitle: 'Import a VM archive',
      folder: 'Archives are read from and written to {folder}.',
      none: 'No archives in the folder.',
      rename: 'If a VM with the same name exists, import under a new name',
      imported: 'Imported VM “{name}”.'
    }
  },
  errors: {
    SNAPSHOT_VM_NOT_FOUND: 'VM “{vm}” has no snapshots.',
    SNAPSHOT_NOT_FOUND: 'VM “{vm}” has no snapshot “{snapshot}”.',
    SNAPSHOT_VM_EXISTS: 'A VM “{vm}” already exists in the snapshot store.',
    SNAPSHOT_PAGES_CORRUPT: 'Snapshot “{snapshot}” of VM “{vm}” is damaged: {count} memory page(s) are missing or corrupt ({pages}). The VM was not changed.',
    SNAPSHOT_MANIFEST_CORRUPT: 'The snapshot file {file} is damaged ({reason}).',
    SNAPSHOT_MANIFEST_VERSION: 'The snapshot file {file} has format version {found}; this version of the workbench reads version {supported}.',
    SNAPSHOT_VM_RECORD_CORRUPT: 'The VM record {file} in the snapshot store is damaged ({reason}).',
    SNAPSHOT_RAM_SIZE_MISMATCH: 'Snapshot “{snapshot}” holds {expected} bytes of memory, but the VM has {actual}.',
    SNAPSHOT_STATE_UNSERIALIZABLE: 'The VM state at {path} cannot be saved in a snapshot.',
    SNAPSHOT_STORE_VERSION: 'The snapshot store {dir} has format version {found}; this version of the workbench reads version {supported}.',
    SNAPSHOT_PACK_CORRUPT: 'The page file {pack} of the snapshot store is damaged ({reason}).',
    SNAPSHOT_ARCHIVE_CORRUPT: 'The archive {file} is damaged or is not a VM archive ({reason}). Nothing was imported.',
    SNAPSHOT_ARCHIVE_VERSION: 'The archive {file} has format version {found}; this version of the workbench reads version {supported}. Nothing was imported.',
    SNAPSHOT_IMPORT_VM_EXISTS: 'A VM “{vm}” already exists. Choose to import the archive under a new name.',
    SNAPSHOT_BAD_ARGUMENT: 'Invalid {name}: {reason}.',
    SNAPSHOT_STORE_BUSY: 'The snapshot store is busy with another operation. Try again in a moment.',
    SNAPSHOT_ARCHIVE_NAME: 'An archive name ends in .tar.gz and uses letters, digits, dots, dashes and underscores.',
    SNAPSHOT_ARCHIVE_NOT_FOUND: 'There is no archive “{file}” in the archive folder.'
  }
}
