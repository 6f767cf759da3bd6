// The snapshot store: VMs, their snapshot trees, and the shared page store, under one data directory.
//
//   DIR/store.json                          format header
//   DIR/packs/pack-NNNNNN.pck                content-addressed pages (page-store.ts)
//   DIR/vms/<vmId>/vm.json                   VM record: name, definition, current position, next id
//   DIR/vms/<vmId>/snapshots/<id>.json       one manifest per snapshot (manifest.ts)
//
// Ordering makes every operation crash-safe: pages are durable before the manifest that names them, the
// manifest before the VM record points at it; a new VM (clone, import) is assembled in a temporary directory
// and renamed into place. Reference counts are derived from the manifests (the durable truth) at open.
// The store is used by one process at a time. It never reads the wall clock: the caller passes `clock`.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { PAGE_SIZE, type MigratableVm } from '../vmm/vm-state'
import { type DurableIo, TEMP_SUFFIX, fsyncDir, mkdirDurable, nodeIo, unlinkDurable, writeFileAtomic } from './durable-io'
import { errorText, snapshotError } from './errors'
import { EngineError } from '../errors'
import type { LiveCopyOptions } from './live-copy'
import { type CaptureOptions, type Captured, type ProgressFn, captureVm } from './capture'
import { type RestorePlan, type RevertOptions, type RevertResult, restoreVm } from './restore'
export type { Progress, ProgressFn } from './capture'
export type { RevertOptions, RevertResult } from './restore'
import {
  FORMAT_VERSION,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  STORE_FORMAT,
  VM_RECORD_FORMAT,
  type SnapshotManifest,
  type SnapshotStats,
  type VmRecord,
  type PageList,
  encodePageList,
  encodeState,
  machineState,
  manifestHashes,
  pageList,
  resolvePageLists,
  openSealedJson,
  parseManifest,
  parseVmRecord,
  sealJson
} from './manifest'
import { type GcResult, PageStore } from './page-store'
import { type JsonObject, type StoredMachineState, toJson } from './state-codec'

export interface StoreOptions {
  /** Milliseconds since 1970 for snapshot times (the service passes Date.now; tests a fixed clock). */
  clock: () => number
  io?: DurableIo
  /** Remove leftovers of interrupted operations and collect unreferenced pages at open (default true). */
  recover?: boolean
}

export interface SnapshotInfo {
  id: string
  vmId: string
  parent: string | null
  children: string[]
  time: number
  description: string
  current: boolean
  /** Guest RAM size and the part of it that is not zero. */
  ramBytes: number
  nonZeroBytes: number
  /** Bytes this snapshot added to the store when it was taken. */
  writtenBytes: number
}

export interface VmSummary {
  vmId: string
  name: string
  definition: JsonObject
  current: string | null
  snapshots: number
}

export interface TakeOptions {
  description?: string
  onProgress?: ProgressFn
  /** Replace the VM definition stored with the snapshot (default: the VM record's). */
  definition?: object
}

export interface TakeResult {
  snapshot: SnapshotInfo
  pagesHashed: number
  zeroPages: number
  /** Pages written to disk (new content); the others were already in the store. */
  pagesWritten: number
  bytesWritten: number
  live?: { rounds: number; pagesCopied: number; pausePages: number; cyclesRun: number }
}

export interface DamagedFile {
  file: string
  code: string
  message: string
  /** The error's parameters (as its code's message names them). */
  params: Record<string, string | number>
}

/** A delta page list builds on its parent's; after this many links a snapshot stores its list in full again, so
 * one damaged manifest never makes a long line of descendants unreadable. */
const MAX_DELTA_CHAIN = 16
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

function checkId(name: string, value: string): void {
  if (!ID_PATTERN.test(value) || value.endsWith(TEMP_SUFFIX)) {
    throw snapshotError('SNAPSHOT_BAD_ARGUMENT', { name, reason: `"${value}" must be 1-64 letters, digits, . _ -` })
  }
}

function toDefinition(def: object): JsonObject {
  const j = toJson(def, 'definition')
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw snapshotError('SNAPSHOT_BAD_ARGUMENT', { name: 'definition', reason: 'not an object' })
  return j
}

export function snapshotIdOf(seq: number): string {
  return `snap-${String(seq).padStart(4, '0')}`
}

/** Open (creating if needed) the store in `dir`. */
export function openSnapshotStore(dir: string, options: StoreOptions): SnapshotStore {
  return new SnapshotStore(dir, options)
}

export class SnapshotStore {
  readonly io: DurableIo
  readonly pages: PageStore
  private readonly clock: () => number
  private readonly vms = new Map<string, VmRecord>()
  private readonly manifests = new Map<string, Map<string, SnapshotManifest>>()
  private readonly refs = new Map<string, number>()
  private staging: Buffer | null = null
  /** Manifests and VM records that could not be read at open (fsck reports them; gc is held off). */
  readonly damaged: DamagedFile[] = []

  constructor(
    readonly dir: string,
    options: StoreOptions
  ) {
    this.io = options.io ?? nodeIo
    this.clock = options.clock
    this.pages = new PageStore(path.join(dir, 'packs'), this.io)
    this.init(options.recover ?? true)
  }

  private get vmsDir(): string {
    return path.join(this.dir, 'vms')
  }

  private vmDir(vmId: string): string {
    return path.join(this.vmsDir, vmId)
  }

  private manifestFile(vmId: string, snapId: string): string {
    return path.join(this.vmDir(vmId), 'snapshots', `${snapId}.json`)
  }

  private init(recover: boolean): void {
    const headerFile = path.join(this.dir, 'store.json')
    if (!fs.existsSync(headerFile)) {
      mkdirDurable(this.io, this.dir)
      writeFileAtomic(this.io, headerFile, sealJson({ format: STORE_FORMAT, formatVersion: FORMAT_VERSION }))
    } else {
      const doc = openSealedJson(fs.readFileSync(headerFile, 'utf8'), headerFile, 'manifest')
      if (doc.format !== STORE_FORMAT || doc.formatVersion !== FORMAT_VERSION) {
        throw snapshotError('SNAPSHOT_STORE_VERSION', { dir: this.dir, found: String(doc.formatVersion), supported: FORMAT_VERSION })
      }
    }
    mkdirDurable(this.io, path.join(this.dir, 'packs'))
    mkdirDurable(this.io, this.vmsDir)
    this.pages.load(recover)
    for (const name of fs.readdirSync(this.vmsDir).sort()) {
      const full = path.join(this.vmsDir, name)
      if (name.endsWith(TEMP_SUFFIX)) {
        if (recover) {
          this.io.rmSync(full)
          fsyncDir(this.io, this.vmsDir)
        }
        continue
      }
      this.loadVm(name, recover)
    }
    if (recover && this.damaged.length === 0 && this.pages.damaged.length === 0) this.gc()
  }

  private loadVm(vmId: string, recover: boolean): void {
    const recFile = path.join(this.vmDir(vmId), 'vm.json')
    let rec: VmRecord
    try {
      rec = parseVmRecord(fs.readFileSync(recFile, 'utf8'), recFile)
    } catch (err) {
      this.noteDamage(recFile, err)
      return
    }
    this.vms.set(vmId, rec)
    const snaps = new Map<string, SnapshotManifest>()
    this.manifests.set(vmId, snaps)
    const sdir = path.join(this.vmDir(vmId), 'snapshots')
    if (!fs.existsSync(sdir)) return
    for (const name of fs.readdirSync(sdir).sort()) {
      const file = path.join(sdir, name)
      if (name.endsWith(TEMP_SUFFIX)) {
        if (recover) unlinkDurable(this.io, file)
        continue
      }
      if (!name.endsWith('.json')) continue
      try {
        const m = parseManifest(fs.readFileSync(file, 'utf8'), file)
        if (m.vmId !== vmId || `${m.id}.json` !== name) throw snapshotError('SNAPSHOT_MANIFEST_CORRUPT', { file, reason: 'id does not match its place' })
        snaps.set(m.id, m)
      } catch (err) {
        this.noteDamage(file, err)
      }
    }
    resolvePageLists(snaps.values(), (m, reason) => {
      snaps.delete(m.id)
      const file = this.manifestFile(vmId, m.id)
      this.noteDamage(file, snapshotError('SNAPSHOT_MANIFEST_CORRUPT', { file, reason }))
    })
    for (const m of snaps.values()) this.addRefs(m, 1)
  }

  private noteDamage(file: string, err: unknown): void {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'SNAPSHOT_MANIFEST_CORRUPT'
    const params = err instanceof EngineError ? err.params : { file, reason: errorText(err) }
    this.damaged.push({ file, code, message: errorText(err), params })
  }

  private addRefs(m: SnapshotManifest, delta: number): void {
    for (const e of manifestHashes(m)) {
      const n = (this.refs.get(e) ?? 0) + delta
      if (n > 0) this.refs.set(e, n)
      else this.refs.delete(e)
    }
  }

  /** How many snapshot pages (over all VMs) name this page content. */
  refCount(hash: string): number {
    return this.refs.get(hash) ?? 0
  }

  // ---- VMs ----

  hasVm(vmId: string): boolean {
    return this.vms.has(vmId)
  }

  listVms(): VmSummary[] {
    return [...this.vms.values()].map((r) => ({
      vmId: r.vmId,
      name: r.name,
      definition: r.definition,
      current: r.current,
      snapshots: this.manifests.get(r.vmId)?.size ?? 0
    }))
  }

  private record(vmId: string): VmRecord {
    const rec = this.vms.get(vmId)
    if (!rec) throw snapshotError('SNAPSHOT_VM_NOT_FOUND', { vm: vmId })
    return rec
  }

  /** Register a VM (its definition is stored with every snapshot). Refuses an existing id. */
  createVm(vmId: string, name: string, definition: object): void {
    checkId('VM id', vmId)
    if (this.vms.has(vmId)) throw snapshotError('SNAPSHOT_VM_EXISTS', { vm: vmId })
    const rec: VmRecord = { format: VM_RECORD_FORMAT, formatVersion: FORMAT_VERSION, vmId, name, definition: toDefinition(definition), current: null, nextSeq: 1 }
    this.installVm(rec, [])
  }

  /** Register the VM unless it is already known. */
  ensureVm(vmId: string, name: string, definition: object): void {
    if (!this.vms.has(vmId)) this.createVm(vmId, name, definition)
  }

  /** Assemble a VM directory under a temporary name and rename it into place: it appears whole or not at all. */
  private installVm(rec: VmRecord, manifests: SnapshotManifest[]): void {
    const tmp = this.vmDir(rec.vmId) + TEMP_SUFFIX
    this.io.rmSync(tmp)
    mkdirDurable(this.io, path.join(tmp, 'snapshots'))
    for (const m of manifests) writeFileAtomic(this.io, path.join(tmp, 'snapshots', `${m.id}.json`), sealJson(m))
    writeFileAtomic(this.io, path.join(tmp, 'vm.json'), sealJson(rec))
    this.io.renameSync(tmp, this.vmDir(rec.vmId))
    fsyncDir(this.io, this.vmsDir)
    this.vms.set(rec.vmId, rec)
    const map = new Map<string, SnapshotManifest>()
    for (const m of manifests) {
      map.set(m.id, m)
      this.addRefs(m, 1)
    }
    this.manifests.set(rec.vmId, map)
  }

  private writeRecord(rec: VmRecord): void {
    writeFileAtomic(this.io, path.join(this.vmDir(rec.vmId), 'vm.json'), sealJson(rec))
    this.vms.set(rec.vmId, rec)
  }

  /** Remove a VM with all its snapshots; its pages are collected unless other snapshots share them. */
  deleteVm(vmId: string): GcResult {
    this.record(vmId)
    const doomed = this.vmDir(vmId) + '.deleting' + TEMP_SUFFIX
    this.io.renameSync(this.vmDir(vmId), doomed)
    fsyncDir(this.io, this.vmsDir)
    this.io.rmSync(doomed)
    for (const m of this.manifests.get(vmId)?.values() ?? []) this.addRefs(m, -1)
    this.manifests.delete(vmId)
    this.vms.delete(vmId)
    return this.gc()
  }

  // ---- snapshots ----

  manifest(vmId: string, snapId: string): SnapshotManifest {
    this.record(vmId)
    const m = this.manifests.get(vmId)?.get(snapId)
    if (!m) throw snapshotError('SNAPSHOT_NOT_FOUND', { vm: vmId, snapshot: snapId })
    return m
  }

  /** The VM's snapshots, oldest first, with children and the current position. */
  listSnapshots(vmId: string): SnapshotInfo[] {
    const rec = this.record(vmId)
    const all = [...(this.manifests.get(vmId)?.values() ?? [])].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id))
    return all.map((m) => this.info(m, rec, all))
  }

  private info(m: SnapshotManifest, rec: VmRecord, all?: SnapshotManifest[]): SnapshotInfo {
    const siblings = all ?? [...(this.manifests.get(m.vmId)?.values() ?? [])]
    return {
      id: m.id,
      vmId: m.vmId,
      parent: m.parent,
      children: siblings.filter((c) => c.parent === m.id).map((c) => c.id),
      time: m.time,
      description: m.description,
      current: rec.current === m.id,
      ramBytes: m.memory.pageCount * PAGE_SIZE,
      nonZeroBytes: m.stats.nonZeroPages * PAGE_SIZE,
      writtenBytes: m.stats.pagesWritten * PAGE_SIZE
    }
  }

  currentSnapshot(vmId: string): string | null {
    return this.record(vmId).current
  }

  /** Take a snapshot of a paused VM (nothing runs it during the call). Only pages not already in the store are
   * written, so a child of a snapshot on disk costs just the pages that changed since. */
  take(vmId: string, vm: MigratableVm, opts: TakeOptions = {}): TakeResult {
    return this.captureHere(vmId, vm, opts, { onProgress: opts.onProgress })
  }

  /** Take a snapshot while the VM keeps running (see live-copy.ts); it pauses only for the last dirty pages. */
  takeLive(vmId: string, vm: MigratableVm, opts: TakeOptions & LiveCopyOptions = {}): TakeResult {
    return this.captureHere(vmId, vm, opts, { live: true, liveOptions: opts, onProgress: opts.onProgress })
  }

  private captureHere(vmId: string, vm: MigratableVm, opts: TakeOptions, how: CaptureOptions): TakeResult {
    this.record(vmId)
    const writer = this.pages.beginPack()
    let c: Captured
    try {
      c = captureVm(vm, writer, how)
      writer.finish()
    } catch (err) {
      writer.abort()
      throw err
    }
    return this.commitCaptured(vmId, c, opts)
  }

  /** Record a capture whose new pages are durable (in a pack registered with this store) as a new snapshot. */
  commitCaptured(vmId: string, c: Captured, opts: TakeOptions = {}): TakeResult {
    const rec = this.record(vmId)
    const stats: SnapshotStats = { nonZeroPages: c.nonZero, pagesWritten: c.written }
    if (c.live) Object.assign(stats, { liveRounds: c.live.rounds, pausePages: c.live.pausePages })
    const m = this.commit(rec, c.pages, c.state, stats, opts)
    return {
      snapshot: this.info(m, this.record(vmId)),
      pagesHashed: c.hashed,
      zeroPages: c.zero,
      pagesWritten: c.written,
      bytesWritten: c.written * PAGE_SIZE,
      live: c.live
    }
  }

  /** Write the manifest (pages are durable by now), then move the VM's current position to it. */
  private commit(rec: VmRecord, hashes: (string | null)[], state: StoredMachineState, stats: SnapshotStats, opts: TakeOptions): SnapshotManifest {
    const existing = this.manifests.get(rec.vmId) ?? new Map<string, SnapshotManifest>()
    let seq = rec.nextSeq
    while (existing.has(snapshotIdOf(seq))) seq++
    const definition = opts.definition ? toDefinition(opts.definition) : rec.definition
    const parent = rec.current !== null && existing.has(rec.current) ? rec.current : null
    const m: SnapshotManifest = {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_VERSION,
      id: snapshotIdOf(seq),
      vmId: rec.vmId,
      parent,
      time: this.clock(),
      description: opts.description ?? '',
      definition,
      ...this.encodeAgainst(existing, parent, hashes, state),
      stats
    }
    mkdirDurable(this.io, path.join(this.vmDir(rec.vmId), 'snapshots'))
    writeFileAtomic(this.io, this.manifestFile(rec.vmId, m.id), sealJson(m))
    existing.set(m.id, m)
    this.manifests.set(rec.vmId, existing)
    this.addRefs(m, 1)
    this.writeRecord({ ...rec, definition, current: m.id, nextSeq: seq + 1 })
    return m
  }

  /** A page list stored as a delta against `baseId`'s (the parent), or in full when there is no parent or the
   * chain of deltas behind it is already MAX_DELTA_CHAIN long. */
  private encodeAgainst(
    snaps: Map<string, SnapshotManifest>,
    baseId: string | null,
    pages: PageList,
    state: StoredMachineState
  ): Pick<SnapshotManifest, 'memory' | 'state' | 'stateDelta'> {
    let depth = 0
    for (let b = baseId; b !== null && depth <= MAX_DELTA_CHAIN; depth++) b = snaps.get(b)?.memory.base ?? null
    const base = baseId !== null && depth < MAX_DELTA_CHAIN ? snaps.get(baseId) : undefined
    const memory = encodePageList(pages, base ? { id: base.id, pages: pageList(base) } : null)
    return { memory, ...encodeState(state, memory.base && base ? machineState(base) : null, memory) }
  }

  /** The snapshot's page list: a hex hash per page, null for zero pages. */
  pageList(vmId: string, snapId: string): PageList {
    return pageList(this.manifest(vmId, snapId))
  }

  /** What a revert needs (restore.ts): the page list, the state and where every page is stored. */
  planRevert(vmId: string, snapId: string): RestorePlan {
    const m = this.manifest(vmId, snapId)
    const pages = pageList(m)
    const locs = new Float64Array(pages.length).fill(-1)
    for (let i = 0; i < pages.length; i++) {
      const h = pages[i]
      if (h !== null) locs[i] = this.pages.locate(h) ?? -1
    }
    return { vmId, snapshotId: snapId, pages, state: machineState(m), locs, packs: this.pages.packFiles() }
  }

  /** The VM now descends from this snapshot (after a revert). */
  markCurrent(vmId: string, snapId: string): void {
    const rec = this.record(vmId)
    this.manifest(vmId, snapId)
    if (rec.current !== snapId) this.writeRecord({ ...rec, current: snapId })
  }

  /** Restore the VM to a snapshot (restore.ts: every page verified; on a bad page nothing changes and
   * SNAPSHOT_PAGES_CORRUPT names the snapshot and the pages), then make it the current position. */
  revert(vmId: string, snapId: string, vm: MigratableVm, opts: RevertOptions = {}): RevertResult {
    const r = restoreVm(this.planRevert(vmId, snapId), vm, { staging: (n) => this.stagingBuffer(n), ...opts })
    this.markCurrent(vmId, snapId)
    return r
  }

  /** A staging buffer kept between reverts (a fresh one costs a page fault per 4 KiB every time). */
  private stagingBuffer(bytes: number): Buffer {
    if (this.staging === null || this.staging.length < bytes) this.staging = Buffer.allocUnsafeSlow(bytes)
    return this.staging
  }

  /** Drop the revert staging buffer (as large as the largest guest reverted). */
  releaseBuffers(): void {
    this.staging = null
  }

  /** Delete a snapshot. Its children now descend from its parent (every manifest holds a full page list, so they
   * stay complete); pages nothing references any more are collected. */
  deleteSnapshot(vmId: string, snapId: string): { reparented: string[]; gc: GcResult } {
    const rec = this.record(vmId)
    const m = this.manifest(vmId, snapId)
    const snaps = this.manifests.get(vmId) as Map<string, SnapshotManifest>
    // the current position moves first: a crash after it leaves a complete snapshot that is not current
    if (rec.current === snapId) this.writeRecord({ ...rec, current: m.parent })
    const reparented: string[] = []
    for (const child of snaps.values()) {
      if (child.parent !== snapId) continue
      // a delta against the deleted snapshot is re-encoded against the new parent first
      let moved: SnapshotManifest = { ...child, parent: m.parent }
      if (child.memory.base === snapId) {
        const { state: _s, stateDelta: _d, ...rest } = moved
        moved = { ...rest, formatVersion: MANIFEST_VERSION, ...this.encodeAgainst(snaps, m.parent, pageList(child), machineState(child)) }
      }
      writeFileAtomic(this.io, this.manifestFile(vmId, child.id), sealJson(moved))
      snaps.set(child.id, moved)
      reparented.push(child.id)
    }
    unlinkDurable(this.io, this.manifestFile(vmId, snapId))
    snaps.delete(snapId)
    this.addRefs(m, -1)
    return { reparented, gc: this.gc() }
  }

  /** A new VM whose first snapshot is a copy of `snapId` (pages are shared, nothing is copied). Revert a VM
   * created from `definition` to `snapshotId` to run it. */
  clone(vmId: string, snapId: string, newVmId: string, newName: string): { vmId: string; snapshotId: string; definition: JsonObject } {
    checkId('VM id', newVmId)
    const m = this.manifest(vmId, snapId)
    if (this.vms.has(newVmId) || fs.existsSync(this.vmDir(newVmId))) throw snapshotError('SNAPSHOT_VM_EXISTS', { vm: newVmId })
    const definition: JsonObject = 'name' in m.definition ? { ...m.definition, name: newName } : m.definition
    const source = this.vms.get(vmId)?.name ?? vmId // the user knows the VM by its name
    const first: SnapshotManifest = {
      ...m,
      id: snapshotIdOf(1),
      vmId: newVmId,
      parent: null,
      time: this.clock(),
      description: m.description ? `${m.description} (clone of ${source}, ${snapId})` : `clone of ${source}, ${snapId}`,
      definition,
      formatVersion: MANIFEST_VERSION,
      memory: encodePageList(pageList(m), null),
      state: machineState(m),
      stateDelta: undefined,
      stats: { nonZeroPages: m.stats.nonZeroPages, pagesWritten: 0 }
    }
    const rec: VmRecord = { format: VM_RECORD_FORMAT, formatVersion: FORMAT_VERSION, vmId: newVmId, name: newName, definition, current: first.id, nextSeq: 2 }
    this.installVm(rec, [first])
    return { vmId: newVmId, snapshotId: first.id, definition }
  }

  /** Install a VM with ready-made manifests (archive import). Pages must already be in the store. */
  installImported(rec: VmRecord, manifests: SnapshotManifest[]): void {
    checkId('VM id', rec.vmId)
    if (this.vms.has(rec.vmId)) throw snapshotError('SNAPSHOT_VM_EXISTS', { vm: rec.vmId })
    this.installVm(rec, manifests)
  }

  /** Collect pages no snapshot references. Held off while any manifest is unreadable (its pages might be live). */
  gc(): GcResult {
    if (this.damaged.length > 0) return { packsDeleted: 0, packsCompacted: 0, bytesFreed: 0 }
    return this.pages.gc(new Set(this.refs.keys()))
  }

  /** Bytes of every file in the store (packs, manifests, records). */
  diskUsage(): number {
    const walk = (dir: string): number => {
      let total = 0
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name)
        total += e.isDirectory() ? walk(full) : fs.statSync(full).size
      }
      return total
    }
    return walk(this.dir)
  }
}
