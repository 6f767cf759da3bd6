// Export / import a VM with all its snapshots as one .tar.gz archive, for sharing a prepared lab.
//
// Entries, in order:
//   vmm-workbench-archive.json   sealed header: format, version, VM (id, name, definition, current), snapshot ids,
//                                page count
//   snapshots/<id>.json           the sealed manifests as stored
//   pages.bin                     every distinct non-zero page the snapshots use, 4096 bytes each
// Import checks the header's format and version first, each manifest's checksum, and the SHA-256 of every page
// against the manifests; pages go into a new pack that becomes visible only once complete, and the VM appears
// (as a whole directory rename) only after all of it checked out. It never replaces an existing VM: it refuses,
// or imports under a new id when asked to.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { hash as oneShotHash } from 'node:crypto'
import { PAGE_SIZE } from '../vmm/vm-state'
import { TEMP_SUFFIX, fsyncDir } from './durable-io'
import { EngineError } from '../errors'
import { errorText, pageListText, snapshotError } from './errors'
import {
  FORMAT_VERSION,
  VM_RECORD_FORMAT,
  type SnapshotManifest,
  type VmRecord,
  manifestHashes,
  openSealedJson,
  parseManifest,
  resolvePageLists,
  sealJson
} from './manifest'
import type { PackWriter } from './page-store'
import type { JsonObject } from './state-codec'
import type { ProgressFn, SnapshotStore } from './store'
import { TAR_END, TarReader, type TarEntrySink, tarHeader, tarPadding } from './tar'

export const ARCHIVE_FORMAT = 'vmm-workbench-vm-archive'
export const ARCHIVE_VERSION = 1
const HEADER_ENTRY = 'vmm-workbench-archive.json'
const PAGES_ENTRY = 'pages.bin'
const EXPORT_BATCH = 256
const MAX_JSON_ENTRY = 256 << 20
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export interface ExportResult {
  snapshots: number
  pages: number
  /** Size of the archive file. */
  bytes: number
}

export interface ImportOptions {
  /** What to do when the archive's VM id exists: refuse (default) or import under `<id>-2`, `<id>-3`, ... */
  onConflict?: 'refuse' | 'rename'
  /** Import under this VM id and name instead of the archive's (the service picks them from its registry). */
  vmId?: string
  name?: string
  onProgress?: ProgressFn
}

export interface ImportResult {
  vmId: string
  name: string
  renamed: boolean
  snapshots: number
  pages: number
  /** Pages that were not in the store yet. */
  pagesWritten: number
}

interface ArchiveHeader {
  format: string
  formatVersion: number
  vm: { vmId: string; name: string; definition: JsonObject; current: string | null }
  snapshots: string[]
  pages: number
}

/** Write the VM and all its snapshots to `file` (.tar.gz). Every page is verified as it is read; the archive is
 * written under a temporary name and renamed when complete. */
export async function exportVmArchive(store: SnapshotStore, vmId: string, file: string, opts: { onProgress?: ProgressFn; level?: number } = {}): Promise<ExportResult> {
  const vm = store.listVms().find((v) => v.vmId === vmId)
  if (!vm) throw snapshotError('SNAPSHOT_VM_NOT_FOUND', { vm: vmId })
  const manifests = store.listSnapshots(vmId).map((s) => store.manifest(vmId, s.id))
  const seen = new Set<string>()
  const hashes: string[] = []
  for (const m of manifests) {
    for (const h of manifestHashes(m)) {
      if (!seen.has(h)) {
        seen.add(h)
        hashes.push(h)
      }
    }
  }
  const header: ArchiveHeader = {
    format: ARCHIVE_FORMAT,
    formatVersion: ARCHIVE_VERSION,
    vm: { vmId, name: vm.name, definition: vm.definition, current: vm.current },
    snapshots: manifests.map((m) => m.id),
    pages: hashes.length
  }
  async function* entries(): AsyncGenerator<Buffer> {
    const json = (name: string, text: string): Buffer => {
      const body = Buffer.from(text, 'utf8')
      return Buffer.concat([tarHeader(name, body.length), body, tarPadding(body.length)])
    }
    yield json(HEADER_ENTRY, sealJson(header))
    for (const m of manifests) yield json(`snapshots/${m.id}.json`, sealJson(m))
    yield tarHeader(PAGES_ENTRY, hashes.length * PAGE_SIZE)
    const buf = Buffer.alloc(EXPORT_BATCH * PAGE_SIZE)
    for (let i = 0; i < hashes.length; i += EXPORT_BATCH) {
      const part = hashes.slice(i, i + EXPORT_BATCH)
      const r = store.pages.readInto(part.map((hash, pageIndex) => ({ pageIndex, hash })), buf)
      const bad = [...r.missing, ...r.corrupt]
      if (bad.length) {
        const snap = manifests.find((m) => manifestHashes(m).includes(part[bad[0]]))?.id ?? '?'
        throw snapshotError('SNAPSHOT_PAGES_CORRUPT', { vm: vmId, snapshot: snap, pages: pageListText(bad.map((b) => i + b)), count: bad.length })
      }
      yield Buffer.from(buf.subarray(0, part.length * PAGE_SIZE))
      opts.onProgress?.({ phase: 'export', done: i + part.length, total: hashes.length })
    }
    yield tarPadding(hashes.length * PAGE_SIZE)
    yield TAR_END
  }
  const tmp = file + TEMP_SUFFIX
  try {
    await pipeline(Readable.from(entries()), createGzip({ level: opts.level ?? 1 }), fs.createWriteStream(tmp))
    const fd = store.io.openSync(tmp, 'r+')
    store.io.fsyncSync(fd)
    store.io.closeSync(fd)
    store.io.renameSync(tmp, file)
    fsyncDir(store.io, path.dirname(path.resolve(file)))
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw err
  }
  if (hashes.length === 0) opts.onProgress?.({ phase: 'export', done: 0, total: 0 })
  return { snapshots: manifests.length, pages: hashes.length, bytes: fs.statSync(file).size }
}

class Collect implements TarEntrySink {
  private parts: Buffer[] = []
  private size = 0
  text: string | null = null
  constructor(
    private readonly what: string,
    private readonly fail: (reason: string) => never
  ) {}
  data(chunk: Buffer): void {
    this.size += chunk.length
    if (this.size > MAX_JSON_ENTRY) this.fail(`${this.what} is too large`)
    this.parts.push(Buffer.from(chunk))
  }
  end(): void {
    this.text = Buffer.concat(this.parts).toString('utf8')
    this.parts = []
  }
}

/** Import an archive written by exportVmArchive into the store. */
export async function importVmArchive(store: SnapshotStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const fail = (reason: string): never => {
    throw snapshotError('SNAPSHOT_ARCHIVE_CORRUPT', { file, reason })
  }
  let header: ArchiveHeader | null = null
  let headerSink: Collect | null = null
  let targetId = ''
  const manifests: SnapshotManifest[] = []
  const manifestSinks: { name: string; sink: Collect }[] = []
  const required = new Set<string>()
  const received = new Set<string>()
  let writer: PackWriter | null = null
  let pagesSeen = 0
  let pagesWritten = 0
  const carry = Buffer.alloc(PAGE_SIZE)
  let carryLen = 0

  const takeHeader = (): ArchiveHeader => {
    if (header) return header
    if (!headerSink || headerSink.text === null) return fail('the archive does not start with its header')
    const doc = openSealedJson(headerSink.text, `${file}:${HEADER_ENTRY}`, 'manifest')
    if (doc.format !== ARCHIVE_FORMAT) fail(`format is ${JSON.stringify(doc.format)}`)
    if (doc.formatVersion !== ARCHIVE_VERSION) {
      throw snapshotError('SNAPSHOT_ARCHIVE_VERSION', { file, found: String(doc.formatVersion), supported: ARCHIVE_VERSION })
    }
    const h = doc as unknown as ArchiveHeader
    if (typeof h.vm?.vmId !== 'string' || !Array.isArray(h.snapshots) || typeof h.pages !== 'number') fail('header fields missing')
    targetId = opts.vmId ?? h.vm.vmId
    if (opts.vmId !== undefined && store.hasVm(targetId)) throw snapshotError('SNAPSHOT_IMPORT_VM_EXISTS', { vm: targetId })
    if (store.hasVm(targetId)) {
      if ((opts.onConflict ?? 'refuse') === 'refuse') throw snapshotError('SNAPSHOT_IMPORT_VM_EXISTS', { vm: targetId })
      let n = 2
      while (store.hasVm(`${h.vm.vmId}-${n}`)) n++
      targetId = `${h.vm.vmId}-${n}`
    }
    header = h
    return h
  }

  const takeManifests = (): void => {
    for (const { name, sink } of manifestSinks.splice(0)) {
      const m = parseManifest(sink.text ?? '', `${file}:${name}`)
      if (!SAFE_ID.test(m.id) || name !== `snapshots/${m.id}.json`) fail(`bad snapshot id in ${name}`)
      manifests.push(m)
    }
    resolvePageLists(manifests, (m, reason) => fail(`snapshot ${m.id}: ${reason}`))
    for (const m of manifests) for (const h of manifestHashes(m)) required.add(h)
  }

  const addPage = (mem: Buffer, off: number): void => {
    const h = oneShotHash('sha256', mem.subarray(off, off + PAGE_SIZE), 'hex')
    if (!required.has(h)) fail(`page ${pagesSeen} is not used by any snapshot (damaged?)`)
    received.add(h)
    if (writer?.add(h, mem, off)) pagesWritten++
    pagesSeen++
  }

  const pagesSink: TarEntrySink = {
    data(chunk) {
      let off = 0
      if (carryLen) {
        const n = Math.min(PAGE_SIZE - carryLen, chunk.length)
        chunk.copy(carry, carryLen, 0, n)
        carryLen += n
        off = n
        if (carryLen < PAGE_SIZE) return
        addPage(carry, 0)
        writer?.flushPending() // carry is reused
        carryLen = 0
      }
      for (; off + PAGE_SIZE <= chunk.length; off += PAGE_SIZE) addPage(chunk, off)
      writer?.flushPending()
      if (off < chunk.length) {
        chunk.copy(carry, 0, off)
        carryLen = chunk.length - off
      }
    },
    end() {
      if (carryLen) fail('pages.bin does not end on a page boundary')
    }
  }

  let entries = 0
  let pagesDone = false
  const reader = new TarReader((name, size) => {
    entries++
    if (entries === 1) {
      if (name !== HEADER_ENTRY) fail('the archive does not start with its header')
      headerSink = new Collect(name, fail)
      return headerSink
    }
    takeHeader()
    if (name.startsWith('snapshots/') && name.endsWith('.json') && !pagesDone) {
      const sink = new Collect(name, fail)
      manifestSinks.push({ name, sink })
      return sink
    }
    if (name === PAGES_ENTRY && !pagesDone) {
      takeManifests()
      if (size % PAGE_SIZE !== 0) fail('pages.bin size is not a whole number of pages')
      pagesDone = true
      writer = store.pages.beginPack()
      return pagesSink
    }
    return fail(`unexpected entry ${name}`)
  })

  const total = fs.statSync(file).size
  let readBytes = 0
  let lastReport = 0
  const input = fs.createReadStream(file)
  let firstError: unknown = null
  input.on('data', (c) => {
    readBytes += c.length
    if (readBytes - lastReport >= 1 << 20) {
      lastReport = readBytes
      opts.onProgress?.({ phase: 'import', done: readBytes, total })
    }
  })
  try {
    try {
      await pipeline(input, createGunzip(), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          try {
            reader.push(chunk)
          } catch (err) {
            firstError = err // pipeline reports its own abort; keep ours
            throw err
          }
        }
      })
    } catch (err) {
      if (firstError instanceof EngineError) throw firstError
      if (err instanceof EngineError) throw err
      fail(errorText(firstError ?? err))
    }
    if (!reader.complete) fail('the archive ends early')
    const h = takeHeader()
    if (!pagesDone) fail('no pages.bin entry')
    if (manifests.length !== h.snapshots.length) fail(`${manifests.length} manifests, the header lists ${h.snapshots.length}`)
    const missing = [...required].filter((x) => !received.has(x))
    if (missing.length) fail(`${missing.length} page(s) the snapshots need are not in the archive`)
    const known = new Set(manifests.map((m) => m.id))
    for (const m of manifests) if (m.parent !== null && !known.has(m.parent)) fail(`snapshot ${m.id} names a parent that is not in the archive`)
    ;(writer as PackWriter | null)?.finish()
  } catch (err) {
    ;(writer as PackWriter | null)?.abort()
    throw err
  }
  const h = header as unknown as ArchiveHeader
  const renamed = targetId !== h.vm.vmId || (opts.name !== undefined && opts.name !== h.vm.name)
  const name = opts.name ?? (renamed ? `${h.vm.name} (${targetId.slice(h.vm.vmId.length + 1)})` : h.vm.name)
  const definition: JsonObject = renamed && 'name' in h.vm.definition ? { ...h.vm.definition, name } : h.vm.definition
  const ids = new Set(manifests.map((m) => m.id))
  const rec: VmRecord = {
    format: VM_RECORD_FORMAT,
    formatVersion: FORMAT_VERSION,
    vmId: targetId,
    name,
    definition,
    current: h.vm.current !== null && ids.has(h.vm.current) ? h.vm.current : null,
    nextSeq: manifests.reduce((n, m) => Math.max(n, Number(/(\d+)$/.exec(m.id)?.[1] ?? 0) + 1), 1)
  }
  try {
    store.installImported(
      rec,
      manifests.map((m) => ({ ...m, vmId: targetId, definition: renamed ? definition : m.definition }))
    )
  } catch (err) {
    store.gc()
    throw err
  }
  opts.onProgress?.({ phase: 'import', done: total, total })
  return { vmId: targetId, name, renamed, snapshots: manifests.length, pages: pagesSeen, pagesWritten }
}

/** The archive's header (VM name, definition, snapshot ids) without importing anything. */
export async function readArchiveHeader(file: string): Promise<{ vmId: string; name: string; definition: JsonObject; snapshots: string[]; pages: number }> {
  const fail = (reason: string): never => {
    throw snapshotError('SNAPSHOT_ARCHIVE_CORRUPT', { file, reason })
  }
  let text: string | null = null
  const reader = new TarReader((name) => {
    if (text === null && name !== HEADER_ENTRY) fail('the archive does not start with its header')
    const sink = new Collect(name, fail)
    return {
      data: (c) => sink.data(c),
      end: () => {
        sink.end()
        if (text === null) text = sink.text
      }
    }
  })
  const input = fs.createReadStream(file)
  const gunzip = createGunzip()
  try {
    await new Promise<void>((resolve, reject) => {
      input.on('error', reject)
      gunzip.on('error', reject)
      gunzip.on('end', resolve)
      gunzip.on('data', (c: Buffer) => {
        try {
          reader.push(c)
        } catch (err) {
          reject(err)
        }
        if (text !== null) resolve()
      })
      input.pipe(gunzip)
    })
  } catch (err) {
    if (err instanceof EngineError) throw err
    fail(errorText(err))
  } finally {
    input.destroy()
    gunzip.destroy()
  }
  if (text === null) return fail('the archive does not start with its header')
  const doc = openSealedJson(text, `${file}:${HEADER_ENTRY}`, 'manifest')
  if (doc.format !== ARCHIVE_FORMAT) fail(`format is ${JSON.stringify(doc.format)}`)
  if (doc.formatVersion !== ARCHIVE_VERSION) throw snapshotError('SNAPSHOT_ARCHIVE_VERSION', { file, found: String(doc.formatVersion), supported: ARCHIVE_VERSION })
  const h = doc as unknown as ArchiveHeader
  if (typeof h.vm?.vmId !== 'string' || typeof h.vm.name !== 'string' || !Array.isArray(h.snapshots)) fail('header fields missing')
  return { vmId: h.vm.vmId, name: h.vm.name, definition: h.vm.definition, snapshots: h.snapshots, pages: h.pages }
}
