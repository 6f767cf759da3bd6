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
/** Manifests: version 2 may store the page list as a delta against another snapshot (memory.base); version 1
 * (full lists only) is still read. */
export const MANIFEST_VERSION = 2
const MANIFEST_VERSIONS_READ = [1, 2]

/** One page-list entry: the hash of a non-zero page (SHA-256 as base64url, 43 characters: a third shorter than hex),
 * or a count: in a full list a run of zero pages; in a delta list (memory.base set) n > 0 pages as in the base and
 * n < 0 zero pages. In memory the store names pages by hex; pageList/encodePageList convert. */
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
  /** The machine state in full, or (when memory.base is set) `stateDelta`: what differs from the base's state
   * (jsonDelta below). An idle VM's snapshot then stores "{}" instead of ~2 KB of registers and devices. */
  state?: StoredMachineState
  stateDelta?: Json
  /** `base`: the snapshot (same VM, its parent when written) `pages` is a delta against; null or absent: a full list. */
  memory: { pageSize: number; pageCount: number; base?: string | null; pages: PageListEntry[] }
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

function checkVersion(doc: JsonObject, format: string, file: string, kind: Kind, versions: readonly number[] = [FORMAT_VERSION]): void {
  need(doc.format === format, file, `format is ${JSON.stringify(doc.format)}, expected ${format}`, kind)
  if (typeof doc.formatVersion !== 'number' || !versions.includes(doc.formatVersion)) {
    throw snapshotError('SNAPSHOT_MANIFEST_VERSION', { file, found: String(doc.formatVersion), supported: versions.join(', ') })
  }
}

export function parseManifest(text: string, file: string): SnapshotManifest {
  const doc = openSealedJson(text, file, 'manifest')
  checkVersion(doc, MANIFEST_FORMAT, file, 'manifest', MANIFEST_VERSIONS_READ)
  need(typeof doc.id === 'string' && typeof doc.vmId === 'string', file, 'id/vmId missing')
  need(doc.parent === null || typeof doc.parent === 'string', file, 'bad parent')
  need(typeof doc.time === 'number' && typeof doc.description === 'string', file, 'time/description missing')
  need(isObject(doc.definition) && isObject(doc.memory) && isObject(doc.stats), file, 'section missing')
  const memory = doc.memory as JsonObject
  need(memory.pageSize === PAGE_SIZE, file, `page size ${String(memory.pageSize)}`)
  need(typeof memory.pageCount === 'number' && Array.isArray(memory.pages), file, 'page list missing')
  const base = memory.base ?? null
  need(base === null || (doc.formatVersion !== 1 && typeof base === 'string'), file, 'bad page list base')
  let count = 0
  for (const e of memory.pages as Json[]) {
    if (typeof e === 'string') {
      need(B64_HASH.test(e), file, `bad page hash ${e.slice(0, 70)}`)
      count++
    } else {
      need(typeof e === 'number' && Number.isInteger(e) && (e > 0 || (base !== null && e < 0)), file, 'bad page run entry')
      count += Math.abs(e as number)
    }
  }
  need(count === memory.pageCount, file, `page list covers ${count} pages, expected ${String(memory.pageCount)}`)
  if (base === null || doc.stateDelta === undefined) {
    need(isObject(doc.state), file, 'section missing')
    const state = doc.state as JsonObject
    need(state.vtpm === null || typeof state.vtpm === 'string', file, 'bad vtpm state')
  } else {
    need(doc.state === undefined && isObject(doc.stateDelta), file, 'bad state delta')
  }
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

/** One entry per page: hex hash, or null for a zero page. */
export type PageList = (string | null)[]

// resolved page lists and machine states, keyed by the manifest's (immutable) memory section
const resolved = new WeakMap<object, PageList>()
const resolvedState = new WeakMap<object, StoredMachineState>()

/** The manifest's machine state (a delta manifest must have been resolved, as for pageList). */
export function machineState(m: SnapshotManifest): StoredMachineState {
  const s = resolvedState.get(m.memory) ?? m.state
  if (!s) throw new Error(`state of ${m.id} is a delta against ${String(m.memory.base)} and was not resolved`)
  return s
}

// A JSON delta: {"$v": value} replaces, {"$x": 1} removes a key, {"$d": {key: delta}} changes some keys of an
// object; {} (no change) is written as {"$d": {}}. Arrays and encoded byte arrays are replaced whole.
function jsonDelta(base: Json | undefined, cur: Json): Json | undefined {
  const isPlain = (v: Json | undefined): v is JsonObject => isObject(v) && !('$type' in v)
  if (isPlain(base) && isPlain(cur)) {
    const d: JsonObject = {}
    for (const k of Object.keys(cur)) {
      const sub = jsonDelta(base[k], cur[k])
      if (sub !== undefined) d[k] = sub
    }
    for (const k of Object.keys(base)) if (!(k in cur)) d[k] = { $x: 1 }
    return Object.keys(d).length ? { $d: d } : undefined
  }
  return JSON.stringify(base) === JSON.stringify(cur) ? undefined : { $v: cur }
}

function applyJsonDelta(base: Json | undefined, delta: Json): Json {
  if (!isObject(delta)) throw new Error('bad state delta')
  if ('$v' in delta) return delta.$v
  const changes = delta.$d
  if (!isObject(changes) || !isObject(base)) throw new Error('bad state delta')
  const out: JsonObject = { ...base }
  for (const [k, sub] of Object.entries(changes)) {
    if (isObject(sub) && '$x' in sub) delete out[k]
    else out[k] = applyJsonDelta(base[k], sub)
  }
  return out
}

/** The stored form of a machine state: in full, or as a delta against the base manifest's state. `memory` is the
 * new manifest's memory section (encodePageList's result), under which the full state is remembered. */
export function encodeState(state: StoredMachineState, base: StoredMachineState | null, memory: object): Pick<SnapshotManifest, 'state' | 'stateDelta'> {
  resolvedState.set(memory, state)
  if (base === null) return { state }
  return { stateDelta: jsonDelta(base as unknown as Json, state as unknown as Json) ?? { $d: {} } }
}

/** The manifest's page list, one entry per page. A delta manifest must have been resolved (resolvePageLists) or
 * created here (encodePageList); the store does both, so this only fails on a programming error. */
export function pageList(m: SnapshotManifest): PageList {
  const cached = resolved.get(m.memory)
  if (cached) return cached
  if (m.memory.base) throw new Error(`page list of ${m.id} is a delta against ${m.memory.base} and was not resolved`)
  const out: PageList = new Array(m.memory.pageCount)
  let i = 0
  for (const e of m.memory.pages) {
    if (typeof e === 'string') out[i++] = hexOf(e)
    else for (let k = 0; k < e; k++) out[i++] = null
  }
  resolved.set(m.memory, out)
  return out
}

function applyDelta(m: SnapshotManifest, base: PageList): PageList {
  const out: PageList = new Array(m.memory.pageCount)
  let i = 0
  for (const e of m.memory.pages) {
    if (typeof e === 'string') out[i++] = hexOf(e)
    else if (e > 0) for (let k = 0; k < e; k++, i++) out[i] = base[i]
    else for (let k = 0; k < -e; k++) out[i++] = null
  }
  return out
}

/** Resolve the page lists of manifests whose lists are deltas against another manifest of the same set (their
 * base). A manifest whose base is missing, unreadable, of another size or part of a cycle is reported through
 * onError (with a reason) and left unresolved; so are the manifests that build on it. */
export function resolvePageLists(manifests: Iterable<SnapshotManifest>, onError: (m: SnapshotManifest, reason: string) => void): void {
  const byId = new Map<string, SnapshotManifest>()
  for (const m of manifests) byId.set(m.id, m)
  const failed = new Set<string>()
  const visiting = new Set<string>()
  const resolve = (m: SnapshotManifest): PageList | null => {
    const done = resolved.get(m.memory)
    if (done) return done
    if (failed.has(m.id)) return null
    const baseId = m.memory.base
    if (!baseId) return pageList(m)
    const fail = (reason: string): null => {
      failed.add(m.id)
      onError(m, reason)
      return null
    }
    const base = byId.get(baseId)
    if (!base) return fail(`its page list builds on snapshot ${baseId}, which is missing or damaged`)
    if (visiting.has(m.id)) return fail('its page list builds on itself (a cycle of deltas)')
    if (base.memory.pageCount !== m.memory.pageCount) return fail(`its base ${baseId} has ${base.memory.pageCount} pages, it has ${m.memory.pageCount}`)
    visiting.add(m.id)
    const baseList = resolve(base)
    visiting.delete(m.id)
    if (!baseList) return failed.has(m.id) ? null : fail(`its page list builds on snapshot ${baseId}, which is damaged`)
    const out = applyDelta(m, baseList)
    if (m.stateDelta !== undefined) {
      try {
        const st = applyJsonDelta(machineState(base) as unknown as Json, m.stateDelta) as unknown as StoredMachineState
        if (!isObject(st as unknown as Json) || !(st.vtpm === null || typeof st.vtpm === 'string')) throw new Error('bad state')
        resolvedState.set(m.memory, st)
      } catch (err) {
        return fail(`its state delta does not apply to snapshot ${baseId} (${errorText(err)})`)
      }
    }
    resolved.set(m.memory, out)
    return out
  }
  for (const m of byId.values()) resolve(m)
}

/** The stored form of a page list: in full (base null: hashes and zero-run counts), or as a delta against a
 * base manifest's list (n > 0: the next n pages are as in the base, n < 0: -n zero pages, a string: this hash).
 * An idle VM's snapshot then stores "[pageCount]" instead of a hash per page. */
export function encodePageList(pages: PageList, base: { id: string; pages: PageList } | null): SnapshotManifest['memory'] {
  const out: PageListEntry[] = []
  const n = pages.length
  if (base === null || base.pages.length !== n) {
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
  } else {
    const b = base.pages
    for (let i = 0; i < n; ) {
      let j = i
      if (pages[i] === b[i]) {
        while (j < n && pages[j] === b[j]) j++
        out.push(j - i)
      } else if (pages[i] === null) {
        while (j < n && pages[j] === null && b[j] !== null) j++
        out.push(-(j - i))
      } else {
        out.push(b64Of(pages[i] as string))
        j = i + 1
      }
      i = j
    }
  }
  const memory = { pageSize: PAGE_SIZE, pageCount: n, base: base !== null && base.pages.length === n ? base.id : null, pages: out }
  resolved.set(memory, [...pages])
  return memory
}

/** The (hex) page hashes a manifest references, one per non-zero page. */
export function manifestHashes(m: SnapshotManifest): string[] {
  return pageList(m).filter((e): e is string => e !== null)
}
