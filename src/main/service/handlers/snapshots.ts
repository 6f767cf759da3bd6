// Snapshot commands. The store under <dataDir>/snapshots is opened once and kept (keeper.ts: its lock held until
// the service closes, every operation through one queue). Take and revert do their RAM work in the host worker
// that runs the VM (snapshot.capture / snapshot.restore host methods: the RAM stays there) while this side holds
// the queue: it gives the worker the set of stored pages or a revert plan and records the result.
// Archives: in <dataDir>/archives (listed, downloaded and uploaded by the lab server for browsers), or anywhere on
// the desktop, where the Electron entry supplies a file dialog (ServiceOptions.pickFile).
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { basename, isAbsolute, join } from 'node:path'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { snapshotCommands, SnapshotInfoDto, VmDefinition, VmSummary } from '../../../shared/contract'
import { LEGACY_BOOT, VmBootSchema } from '../../../shared/contract'
import { WorkbenchError } from '../../../shared/errors'
import { EngineError } from '../../engine/errors'
import { exportVmArchive, importVmArchive, readArchiveHeader } from '../../engine/snapshot/archive'
import { fsckStore } from '../../engine/snapshot/fsck'
import type { SnapshotInfo, SnapshotStore, Progress } from '../../engine/snapshot/store'
import { StoreKeeper } from '../../engine/snapshot/keeper'
import type { WorkbenchService } from '../workbench-service'
import type { Handlers } from './types'

const PROGRESS_INTERVAL_MS = 100
/** Archives in the archive folder: the names the lab server serves and lists. */
export const ARCHIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.tar\.gz$/

export const storeDir = (s: WorkbenchService): string => join(s.opts.dataDir, 'snapshots')
export const archiveDir = (s: WorkbenchService): string => join(s.opts.dataDir, 'archives')

const keepers = new WeakMap<WorkbenchService, StoreKeeper>()

/** The service's snapshot store, opened on first use and closed with the service. */
export function keeperOf(s: WorkbenchService): StoreKeeper {
  let k = keepers.get(s)
  if (!k) {
    const opened = StoreKeeper.open(storeDir(s), () => Date.now())
    keepers.set(s, opened)
    s.atClose(() => {
      keepers.delete(s)
      return opened.close()
    })
    k = opened
  }
  return k
}

function dto(i: SnapshotInfo): SnapshotInfoDto {
  const { vmId: _vmId, ...rest } = i
  return rest as SnapshotInfoDto
}

function definitionJson(def: VmDefinition): Record<string, unknown> {
  return { ...def }
}

function vmConfig(def: VmDefinition) {
  return { name: def.name, memoryMiB: def.memoryMiB, mode: def.mode, nic: def.nic, vtpm: def.vtpm }
}

/** Progress events for one operation, at most every 100 ms (and the last one). */
function progressEmitter(s: WorkbenchService, vmId: string, op: 'take' | 'revert' | 'export' | 'import'): (p: Progress) => void {
  let last = 0
  return (p) => {
    const now = Date.now()
    if (now - last < PROGRESS_INTERVAL_MS && p.done < p.total) return
    last = now
    s.emit('snapshot.progress', { vmId, op, done: p.done, total: p.total })
  }
}

/** A port the host worker reports a take/revert's progress on, turned into progress events. */
function progressPort(s: WorkbenchService, vmId: string, op: 'take' | 'revert'): { port: MessagePort; close: () => void } {
  const { port1, port2 } = new MessageChannel()
  const emit = progressEmitter(s, vmId, op)
  port1.on('message', (m: { done: number; total: number }) => emit({ phase: op === 'take' ? 'copy' : 'read', done: m.done, total: m.total }))
  return { port: port2, close: () => port1.close() }
}

function emitState(s: WorkbenchService, id: string): VmSummary {
  const summary = s.vms.summary(id)
  s.emit('vm.state', summary)
  return summary
}

/** A free VM name: the name itself, else "name (2)", "name (3)", ... */
function freeName(s: WorkbenchService, name: string): string {
  if (!s.vms.findByName(name)) return name
  let n = 2
  while (s.vms.findByName(`${name} (${n})`)) n++
  return `${name} (${n})`.slice(0, 40)
}

/** A client-supplied path: only where the service has a file dialog (the desktop), absolute, a .tar.gz. */
function checkedPath(s: WorkbenchService, path: string): string {
  if (!s.opts.pickFile) throw new WorkbenchError('SNAPSHOT_ARCHIVE_PATH', { path })
  if (!isAbsolute(path) || !path.endsWith('.tar.gz')) throw new WorkbenchError('SNAPSHOT_ARCHIVE_PATH', { path })
  return path
}

/** The engine names the archive by its full path; the user knows it by `label`. */
function namedAs(err: unknown, path: string, label: string): unknown {
  if (err instanceof EngineError && err.params.file === path) return new WorkbenchError(err.code, { ...err.params, file: label })
  return err
}

/** Engine errors name the VM by its id and a snapshot by its id; the user knows the VM by its name and a damaged
 * snapshot better by its description too. `describe` gives a snapshot's description (undefined: none, or no such
 * snapshot). Errors from the host worker arrive as WorkbenchErrors, in-process ones as EngineErrors. */
function inUserTerms(err: unknown, def: VmDefinition, describe: (snapshot: string) => string | undefined): unknown {
  if (!(err instanceof EngineError || err instanceof WorkbenchError) || err.params.vm !== def.id) return err
  const params: Record<string, string | number> = { ...err.params, vm: def.name }
  const snapshot = params.snapshot
  if (err.code === 'SNAPSHOT_PAGES_CORRUPT' && typeof snapshot === 'string') {
    const description = describe(snapshot)
    if (description) params.snapshot = `“${description}” (${snapshot})`
  }
  return new WorkbenchError(err.code, params)
}

/** A snapshot's description, if it has one. */
function descriptionOf(store: SnapshotStore, vmId: string, snapshot: string): string | undefined {
  try {
    return store.manifest(vmId, snapshot).description || undefined
  } catch {
    return undefined
  }
}

/** The user is looking at the snapshots of a VM that is not on its host: a revert would build it, and its RAM's
 * first touch costs a page fault per 4 KiB (~230 ms for 64 MiB here). Its host warms a buffer of that size
 * meanwhile, in idle time, for the VM the revert builds (machine/guest-ram.ts). Nothing waits for it. */
function prewarmRevert(s: WorkbenchService, def: VmDefinition): void {
  const state = s.vms.rt(def.id).state
  if (state === 'running' || state === 'paused') return
  try {
    s.hosts
      .connection(def.hostId)
      .call('snapshot.prewarm', { config: { memoryMiB: def.memoryMiB, mode: def.mode } })
      .catch(() => null) // only an optimisation
  } catch {
    // the host is gone: the revert will say so
  }
}

/** Import the archive at `path` as a new VM (registry entry + store VM); `label` names it in errors. */
export async function importArchiveFile(s: WorkbenchService, path: string, label: string, rename: boolean): Promise<VmSummary> {
  try {
    return await importArchiveAt(s, path, label, rename)
  } catch (err) {
    throw namedAs(err, path, label)
  }
}

async function importArchiveAt(s: WorkbenchService, path: string, label: string, rename: boolean): Promise<VmSummary> {
  try {
    statSync(path)
  } catch {
    throw new WorkbenchError('SNAPSHOT_ARCHIVE_NOT_FOUND', { file: label })
  }
  const header = await readArchiveHeader(path)
  if (s.vms.findByName(header.name) && !rename) throw new WorkbenchError('SNAPSHOT_IMPORT_VM_EXISTS', { vm: header.name })
  const d = header.definition as Partial<VmDefinition>
  const hosts = s.hosts.list()
  const hostId = hosts.some((h) => h.id === d.hostId) ? (d.hostId as string) : hosts[0]?.id
  if (!hostId || typeof d.memoryMiB !== 'number' || !d.mode || !d.nic || typeof d.image !== 'string') {
    throw new WorkbenchError('SNAPSHOT_ARCHIVE_CORRUPT', { file: label, reason: 'the VM definition is incomplete' })
  }
  const def = s.vms.add({
    name: freeName(s, header.name),
    memoryMiB: d.memoryMiB,
    vcpus: typeof d.vcpus === 'number' ? d.vcpus : 1,
    image: d.image,
    mode: d.mode,
    nic: d.nic,
    vtpm: d.vtpm === true,
    hostId,
    // archives from before the boot choice existed boot as those VMs did
    boot: VmBootSchema.safeParse(d.boot).data ?? LEGACY_BOOT
  })
  try {
    s.emit('snapshot.progress', { vmId: def.id, op: 'import', done: 0, total: 1 })
    await keeperOf(s).run((store) => importVmArchive(store, path, { vmId: def.id, name: def.name, onProgress: progressEmitter(s, def.id, 'import') }))
  } catch (err) {
    s.vms.remove(def.id)
    throw err
  }
  s.emit('snapshots.changed', { vmId: def.id })
  return emitState(s, def.id)
}

export const snapshotHandlers: Handlers<keyof typeof snapshotCommands> = {
  'snapshots.list': async (req, s) => {
    const def = s.vms.get(req.vmId)
    const r = await keeperOf(s).run((store) => {
      const storeBytes = store.diskUsage()
      if (!store.hasVm(req.vmId)) return { vmId: req.vmId, current: null, snapshots: [], storeBytes }
      return { vmId: req.vmId, current: store.currentSnapshot(req.vmId), snapshots: store.listSnapshots(req.vmId).map(dto), storeBytes }
    })
    if (r.snapshots.length > 0) prewarmRevert(s, def)
    return r
  },

  'snapshots.take': async (req, s) => {
    const def = s.vms.get(req.vmId)
    const state = s.vms.rt(req.vmId).state
    if (state !== 'running' && state !== 'paused') throw new WorkbenchError('VM_BAD_STATE', { id: req.vmId, state, action: 'snapshot' })
    s.emit('snapshot.progress', { vmId: req.vmId, op: 'take', done: 0, total: 1 })
    const r = await keeperOf(s).run(async (store) => {
      store.ensureVm(req.vmId, def.name, definitionJson(def))
      const pack = store.pages.reservePack()
      const progress = progressPort(s, req.vmId, 'take')
      const c = await s.hosts
        .connection(def.hostId)
        .call(
          'snapshot.capture',
          { vmId: req.vmId, packFile: pack.file, known: store.pages.knownHashes(), live: req.live && state === 'running', progress: progress.port },
          [progress.port]
        )
        .finally(progress.close)
      if (c.packHashes.length > 0) store.pages.registerPack(pack.no, pack.file, c.packHashes)
      return store.commitCaptured(req.vmId, c, { description: req.description, definition: definitionJson(def) })
    })
    s.emit('snapshots.changed', { vmId: req.vmId })
    return { snapshot: dto(r.snapshot), pagesWritten: r.pagesWritten, liveRounds: r.live?.rounds ?? null, pausePages: r.live?.pausePages ?? null }
  },

  'snapshots.revert': async (req, s) => {
    const def = s.vms.get(req.vmId)
    const rt = s.vms.rt(req.vmId)
    const conn = s.hosts.connection(def.hostId)
    let elf: Uint8Array | null = null
    if (rt.state !== 'running' && rt.state !== 'paused') {
      try {
        elf = new Uint8Array(readFileSync(join(s.opts.guestDir, def.image)))
      } catch {
        throw new WorkbenchError('VM_IMAGE_NOT_FOUND', { image: def.image })
      }
    }
    s.emit('snapshot.progress', { vmId: req.vmId, op: 'revert', done: 0, total: 1 })
    const r = await keeperOf(s).run(async (store) => {
      const plan = store.planRevert(req.vmId, req.snapshotId) // refuses unknown snapshots before the VM is touched
      // a halted or crashed VM still occupies its slot in the worker: rebuild it from the snapshot
      if (rt.state === 'halted' || rt.state === 'crashed') await conn.call('vm.stop', { vmId: req.vmId }).catch(() => null)
      const progress = progressPort(s, req.vmId, 'revert')
      const transfer = [progress.port, plan.locs.buffer as ArrayBuffer, ...(elf ? [elf.buffer as ArrayBuffer] : [])]
      const done = await conn
        .call('snapshot.restore', { vmId: req.vmId, plan, config: vmConfig(def), elf, progress: progress.port }, transfer)
        .catch((err: unknown) => {
          throw inUserTerms(err, def, (snap) => descriptionOf(store, req.vmId, snap))
        })
        .finally(progress.close)
      store.markCurrent(req.vmId, req.snapshotId)
      return done
    })
    if (r.built) {
      rt.state = 'paused'
      rt.halt = null
      rt.stats = null
      rt.serial.clear()
    }
    s.emit('snapshots.changed', { vmId: req.vmId })
    return { vm: emitState(s, req.vmId), pagesRead: r.pagesRead, pagesKept: r.pagesKept }
  },

  'snapshots.delete': async (req, s) => {
    s.vms.get(req.vmId)
    await keeperOf(s).run((store) => store.deleteSnapshot(req.vmId, req.snapshotId))
    s.emit('snapshots.changed', { vmId: req.vmId })
    return { ok: true as const }
  },

  'snapshots.clone': async (req, s) => {
    const src = s.vms.get(req.vmId)
    if (s.vms.findByName(req.name)) throw new WorkbenchError('VM_NAME_TAKEN', { name: req.name })
    const { id: _id, seq: _seq, ...rest } = src
    const def = s.vms.add({ ...rest, name: req.name })
    try {
      await keeperOf(s).run((store) => store.clone(req.vmId, req.snapshotId, def.id, def.name))
    } catch (err) {
      s.vms.remove(def.id)
      throw err
    }
    s.emit('snapshots.changed', { vmId: def.id })
    prewarmRevert(s, def) // a clone runs by being reverted to its snapshot
    return emitState(s, def.id)
  },

  'snapshots.export': async (req, s) => {
    const def = s.vms.get(req.vmId)
    let path: string
    if (req.path !== undefined) {
      path = checkedPath(s, req.path)
    } else {
      await mkdir(archiveDir(s), { recursive: true })
      path = join(archiveDir(s), `${def.id}.vmwb.tar.gz`)
    }
    s.emit('snapshot.progress', { vmId: req.vmId, op: 'export', done: 0, total: 1 })
    const r = await keeperOf(s).run(async (store) => {
      if (!store.hasVm(req.vmId)) throw new WorkbenchError('SNAPSHOT_VM_NOT_FOUND', { vm: def.name })
      return exportVmArchive(store, req.vmId, path, { onProgress: progressEmitter(s, req.vmId, 'export') }).catch((err: unknown) => {
        throw inUserTerms(err, def, (snap) => descriptionOf(store, req.vmId, snap))
      })
    })
    return { file: basename(path), path, sizeBytes: r.bytes, snapshots: r.snapshots, pages: r.pages }
  },

  'snapshots.pickArchive': async (req, s) => {
    if (!s.opts.pickFile) throw new WorkbenchError('SNAPSHOT_NO_FILE_DIALOG', {})
    return { path: await s.opts.pickFile(req.mode, req.suggestedName) }
  },

  'snapshots.check': (_req, s) =>
    keeperOf(s).run((store) => {
      const r = fsckStore(storeDir(s)) // only reads; inside the queue so no operation writes meanwhile
      const problems = r.problems.map((p) => {
        const def = s.vms.list().find((v) => v.id === p.params.vm)
        if (!def) return { code: p.code, params: p.params }
        const named = inUserTerms(new WorkbenchError(p.code, p.params), def, (snap) => descriptionOf(store, def.id, snap)) as WorkbenchError
        return { code: p.code, params: named.params }
      })
      return { ok: r.ok, vms: r.vms, snapshots: r.snapshots, pages: r.pages, packBytes: r.packBytes, leftovers: r.leftovers.length, problems }
    }),

  'snapshots.archives': (_req, s) => {
    const folder = archiveDir(s)
    let names: string[] = []
    try {
      names = readdirSync(folder).filter((f) => ARCHIVE_NAME.test(f))
    } catch {
      names = []
    }
    return { folder, archives: names.sort().map((file) => ({ file, sizeBytes: statSync(join(folder, file)).size })) }
  },

  'snapshots.import': async (req, s) => {
    if ((req.file === undefined) === (req.path === undefined)) {
      throw new WorkbenchError('SNAPSHOT_BAD_ARGUMENT', { name: 'archive', reason: 'give either a file of the archive folder or a path' })
    }
    if (req.path !== undefined) return importArchiveFile(s, checkedPath(s, req.path), basename(req.path), req.rename)
    const file = req.file as string
    // an archive a browser uploaded was only a way in: removed once imported or refused, kept while the user
    // decides about a name clash (the import under a new name uses it)
    const upload = file.startsWith('upload-')
    try {
      const vm = await importArchiveFile(s, join(archiveDir(s), file), file, req.rename)
      if (upload) rmSync(join(archiveDir(s), file), { force: true })
      return vm
    } catch (err) {
      if (upload && !(err instanceof WorkbenchError && err.code === 'SNAPSHOT_IMPORT_VM_EXISTS')) rmSync(join(archiveDir(s), file), { force: true })
      throw err
    }
  }
}
