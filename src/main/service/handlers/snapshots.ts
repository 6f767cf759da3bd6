// Snapshot commands. Take and revert run in the host worker that runs the VM (snapshot.take / snapshot.revert
// host methods: the RAM stays there); listing, delete, clone, export and import run here. Both sides hold the
// store lock (src/main/engine/snapshot/store-lock.ts) while they use the store under <dataDir>/snapshots.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { snapshotCommands, SnapshotInfoDto, VmDefinition, VmSummary } from '../../../shared/contract'
import { WorkbenchError } from '../../../shared/errors'
import { exportVmArchive, importVmArchive, readArchiveHeader } from '../../engine/snapshot/archive'
import type { SnapshotInfo, Progress } from '../../engine/snapshot/store'
import { openSnapshotStore } from '../../engine/snapshot/store'
import { withStoreLock } from '../../engine/snapshot/store-lock'
import type { WorkbenchService } from '../workbench-service'
import type { Handlers } from './types'

const PROGRESS_INTERVAL_MS = 100

const storeDir = (s: WorkbenchService): string => join(s.opts.dataDir, 'snapshots')
const archiveDir = (s: WorkbenchService): string => join(s.opts.dataDir, 'archives')
const openStore = (s: WorkbenchService) => openSnapshotStore(storeDir(s), { clock: () => Date.now() })

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

export const snapshotHandlers: Handlers<keyof typeof snapshotCommands> = {
  'snapshots.list': (req, s) => {
    s.vms.get(req.vmId)
    return withStoreLock(storeDir(s), () => {
      const store = openStore(s)
      const storeBytes = store.diskUsage()
      if (!store.hasVm(req.vmId)) return { vmId: req.vmId, current: null, snapshots: [], storeBytes }
      return { vmId: req.vmId, current: store.currentSnapshot(req.vmId), snapshots: store.listSnapshots(req.vmId).map(dto), storeBytes }
    })
  },

  'snapshots.take': async (req, s) => {
    const def = s.vms.get(req.vmId)
    const state = s.vms.rt(req.vmId).state
    if (state !== 'running' && state !== 'paused') throw new WorkbenchError('VM_BAD_STATE', { id: req.vmId, state, action: 'snapshot' })
    s.emit('snapshot.progress', { vmId: req.vmId, op: 'take', done: 0, total: 1 })
    const progress = progressPort(s, req.vmId, 'take')
    const r = await s.hosts
      .connection(def.hostId)
      .call(
        'snapshot.take',
        {
          vmId: req.vmId,
          storeDir: storeDir(s),
          name: def.name,
          definition: definitionJson(def),
          description: req.description,
          live: req.live && state === 'running',
          time: Date.now(),
          progress: progress.port
        },
        [progress.port]
      )
      .finally(progress.close)
    s.emit('snapshots.changed', { vmId: req.vmId })
    return { snapshot: dto(r.snapshot), pagesWritten: r.pagesWritten, liveRounds: r.liveRounds, pausePages: r.pausePages }
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
      // a halted or crashed VM still occupies its slot in the worker: rebuild it from the snapshot
      if (rt.state === 'halted' || rt.state === 'crashed') await conn.call('vm.stop', { vmId: req.vmId }).catch(() => null)
    }
    s.emit('snapshot.progress', { vmId: req.vmId, op: 'revert', done: 0, total: 1 })
    const progress = progressPort(s, req.vmId, 'revert')
    const r = await conn
      .call(
        'snapshot.revert',
        { vmId: req.vmId, storeDir: storeDir(s), snapshotId: req.snapshotId, config: vmConfig(def), elf, time: Date.now(), progress: progress.port },
        elf ? [elf.buffer as ArrayBuffer, progress.port] : [progress.port]
      )
      .finally(progress.close)
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
    await withStoreLock(storeDir(s), () => openStore(s).deleteSnapshot(req.vmId, req.snapshotId))
    s.emit('snapshots.changed', { vmId: req.vmId })
    return { ok: true as const }
  },

  'snapshots.clone': async (req, s) => {
    const src = s.vms.get(req.vmId)
    if (s.vms.findByName(req.name)) throw new WorkbenchError('VM_NAME_TAKEN', { name: req.name })
    const { id: _id, seq: _seq, ...rest } = src
    const def = s.vms.add({ ...rest, name: req.name })
    try {
      await withStoreLock(storeDir(s), () => openStore(s).clone(req.vmId, req.snapshotId, def.id, def.name))
    } catch (err) {
      s.vms.remove(def.id)
      throw err
    }
    s.emit('snapshots.changed', { vmId: def.id })
    return emitState(s, def.id)
  },

  'snapshots.export': async (req, s) => {
    const def = s.vms.get(req.vmId)
    mkdirSync(archiveDir(s), { recursive: true })
    const file = `${def.id}.vmwb.tar.gz`
    const path = join(archiveDir(s), file)
    const r = await withStoreLock(storeDir(s), async () => {
      const store = openStore(s)
      if (!store.hasVm(req.vmId)) throw new WorkbenchError('SNAPSHOT_VM_NOT_FOUND', { vm: def.name })
      return exportVmArchive(store, req.vmId, path, { onProgress: progressEmitter(s, req.vmId, 'export') })
    })
    return { file, path, sizeBytes: r.bytes, snapshots: r.snapshots, pages: r.pages }
  },

  'snapshots.archives': (_req, s) => {
    const folder = archiveDir(s)
    let names: string[] = []
    try {
      names = readdirSync(folder).filter((f) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.tar\.gz$/.test(f))
    } catch {
      names = []
    }
    return { folder, archives: names.sort().map((file) => ({ file, sizeBytes: statSync(join(folder, file)).size })) }
  },

  'snapshots.import': async (req, s) => {
    const path = join(archiveDir(s), req.file)
    try {
      statSync(path)
    } catch {
      throw new WorkbenchError('SNAPSHOT_ARCHIVE_NOT_FOUND', { file: req.file })
    }
    const header = await readArchiveHeader(path)
    if (s.vms.findByName(header.name) && !req.rename) throw new WorkbenchError('SNAPSHOT_IMPORT_VM_EXISTS', { vm: header.name })
    const d = header.definition as Partial<VmDefinition>
    const hosts = s.hosts.list()
    const hostId = hosts.some((h) => h.id === d.hostId) ? (d.hostId as string) : hosts[0]?.id
    if (!hostId || typeof d.memoryMiB !== 'number' || !d.mode || !d.nic || typeof d.image !== 'string') {
      throw new WorkbenchError('SNAPSHOT_ARCHIVE_CORRUPT', { file: req.file, reason: 'the VM definition is incomplete' })
    }
    const def = s.vms.add({
      name: freeName(s, header.name),
      memoryMiB: d.memoryMiB,
      vcpus: typeof d.vcpus === 'number' ? d.vcpus : 1,
      image: d.image,
      mode: d.mode,
      nic: d.nic,
      vtpm: d.vtpm === true,
      hostId
    })
    try {
      await withStoreLock(storeDir(s), () =>
        importVmArchive(openStore(s), path, { vmId: def.id, name: def.name, onProgress: progressEmitter(s, def.id, 'import') })
      )
    } catch (err) {
      s.vms.remove(def.id)
      throw err
    }
    s.emit('snapshots.changed', { vmId: def.id })
    return emitState(s, def.id)
  }
}
