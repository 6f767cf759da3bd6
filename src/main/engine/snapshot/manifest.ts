// The on-disk documents: snapshot manifests, VM records and the store header. Each is JSON with a `checksum`
// (SHA-256 of the document's JSON without it) as its last field, so a flipped byte is detected even where the
// JSON still parses.
import { PAGE_SIZE } from '../vmm/vm-state'
import { type SnapshotErrorCode, errorText, snapshotError } from './errors'
import { sha256Hex } from './page-hash'
import type { Json, JsonObject, StoredMachineState } from './state-codec'

export const MANIFEST_FORMAT = 'vmm-workbench-snapshot'
export const VM_RECORD_FORMAT = 'vmm-workbench-vm'
export const STORE_FORMAT = 'vmm-workbench-snapshot-store'
export const FORMAT_VERSION = 1

/** One page-list entry: the hash of a non-zero page (SHA-256 as base64url, 43 characters: a third shorter than hex,
 * which keeps manifests of idle VMs small next to their pages), or a count of consecutive zero pages. In memory
 * the store names pages by hex; expandPages/compactPages/manifestHashes convert. */
export type PageListEntry = string | number

export interface SnapshotManifest {
  format: typeof MANIFEST_FORMAT
  formatVersion: number
  id: string
  vmId: string
  parent: string | null
  /** Milliseconds since 1970 (from the store's clock). */
  time: number
  description: string
  /** The VM definition (configuration) the snapshot was taken of. */
  definition: JsonObject
  state: StoredMachineState
  memory: { pageSize: number; pageCount: number; pages: PageListEntry[] }
  stats: SnapshotStats
}

export interface SnapshotStats {
  nonZeroPages: number
  /** Pages this snapshot added to the store (the rest were already there: shared with other snapshots). */
  pagesWritten: number
  /** Live snapshots: copy rounds and the pages copied while the VM was paused at the end. */
  liveRounds?: number
  pausePages?: number
}

export interface VmRecord {
  format: typeof VM_RECORD_FORMAT
  formatVersion: number
  vmId: string
  name: string
  definition: JsonObject
  /** The snapshot the VM's state descends from (last taken or reverted to), or null. */
  current: string | null
  /** Sequence number for the next snapshot id. */
  nextSeq: number
}

export interface StoreHeader {
  format: typeof STORE_FORMAT
  formatVersion: number
}

/** JSON text with a trailing checksum field. */
export function sealJson(doc: object): string {
  const body = JSON.stringify(doc)
  return JSON.stringify({ ...doc, checksum: sha256Hex(body) }) + '\n'
}

type Kind = 'manifest' | 'vm'
const CORRUPT: Record<Kind, SnapshotErrorCode> = { manifest: 'SNAPSHOT_MANIFEST_CORRUPT', vm: 'SNAPSHOT_VM_RECORD_CORRUPT' }

/** Parse a sealed document, checking its checksum; throws the kind's *_CORRUPT error. */
export function openSealedJson(text: string, file: string, kind: Kind): JsonObject {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw snapshotError(CORRUPT[kind], { file, reason: `not valid JSON (${errorText(err)})` })
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw snapshotError(CORRUPT[kind], { file, reason: 'not a JSON object' })
  }
  const { checksum, ...body } = parsed as JsonObject
  if (typeof checksum !== 'string') throw snapshotError(CORRUPT[kind], { file, reason: 'no checksum' })
  if (sha256Hex(JSON.stringify(body)) !== checksum) throw snapshotError(CORRUPT[kind], { file, reason: 'checksum mismatch' })
  return body
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function need(cond: boolean, file: string, reason: string, kind: Kind = 'manifest'): void {
  if (!cond) throw snapshotError(CORRUPT[kind], { file, reason })
}

function checkVersion(doc: JsonObject, format: string, file: string, kind: Kind): void {
  need(doc.format === format, file, `format is ${JSON.stringify(doc.format)}, expected ${format}`, kind)
  if (doc.formatVersion !== FORMAT_VERSION) {
    throw snapshotError('SNAPSHOT_MANIFEST_VERSION', { file, found: String(doc.formatVersion), supported: FORMAT_VERSION })
  }
}

export function parseManifest(text: string, file: string): SnapshotManifest {
  const doc = openSealedJson(text, file, 'manifest')
  checkVersion(doc, MANIFEST_FORMAT, file, 'manifest')
  need(typeof doc.id === 'string' && typeof doc.vmId === 'string', file, 'id/vmId missing')
  need(doc.parent === null || typeof doc.parent === 'string', file, 'bad parent')
  need(typeof doc.time === 'number' && typeof doc.description === 'string', file, 'time/description missing')
  need(isObject(doc.definition) && isObject(doc.state) && isObject(doc.memory) && isObject(doc.stats), file, 'section missing')
  const memory = doc.memory as JsonObject
  need(memory.pageSize === PAGE_SIZE, file, `page size ${String(memory.pageSize)}`)
  need(typeof memory.pageCount === 'number' && Array.isArray(memory.pages), file, 'page list missing')
  let count = 0
  for (const e of memory.pages as Json[]) {
    if (typeof e === 'string') {
      need(B64_HASH.test(e), file, `bad page hash ${e.slice(0, 70)}`)
      count++
    } else {
      need(typeof e === 'number' && Number.isInteger(e) && e > 0, file, 'bad zero-run entry')
      count += e as number
    }
  }
  need(count === memory.pageCount, file, `page list covers ${count} pages, expected ${String(memory.pageCount)}`)
  const state = doc.state as JsonObject
  need(state.vtpm === null || typeof state.vtpm === 'string', file, 'bad vtpm state')
  return doc as unknown as SnapshotManifest
}

export function parseVmRecord(text: string, file: string): VmRecord {
  const doc = openSealedJson(text, file, 'vm')
  checkVersion(doc, VM_RECORD_FORMAT, file, 'vm')
  need(typeof doc.vmId === 'string' && typeof doc.name === 'string', file, 'vmId/name missing', 'vm')
  need(isObject(doc.definition), file, 'definition missing', 'vm')
  need(doc.current === null || typeof doc.current === 'string', file, 'bad current', 'vm')
  need(typeof doc.nextSeq === 'number', file, 'nextSeq missing', 'vm')
  return doc as unknown as VmRecord
}

const B64_HASH = /^[A-Za-z0-9_-]{43}$/
const hexOf = (b64: string): string => Buffer.from(b64, 'base64url').toString('hex')
const b64Of = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url')

const expanded = new WeakMap<readonly PageListEntry[], (string | null)[]>()

/** Page list → one entry per page: hex hash or null (zero page). Cached per list (manifests are immutable). */
export function expandPages(entries: readonly PageListEntry[], pageCount: number): (string | null)[] {
  const cached = expanded.get(entries)
  if (cached && cached.length === pageCount) return cached
  const out: (string | null)[] = new Array(pageCount)
  let i = 0
  for (const e of entries) {
    if (typeof e === 'string') out[i++] = hexOf(e)
    else for (let k = 0; k < e; k++) out[i++] = null
  }
  expanded.set(entries, out)
  return out
}

/** One hex hash (or null) per page → compact page list (base64url hashes, zero runs as counts). */
export function compactPages(pages: readonly (string | null)[]): PageListEntry[] {
  const out: PageListEntry[] = []
  let zeros = 0
  for (const p of pages) {
    if (p === null) zeros++
    else {
      if (zeros) out.push(zeros)
      zeros = 0
      out.push(b64Of(p))
    }
  }
  if (zeros) out.push(zeros)
  expanded.set(out, [...pages])
  return out
}

/** The (hex) page hashes a manifest references, one per non-zero page. */
export function manifestHashes(m: SnapshotManifest): string[] {
  return expandPages(m.memory.pages, m.memory.pageCount).filter((e): e is string => e !== null)
}
