// XBZRLE-style delta encoding of a re-sent page against the copy sent before (QEMU's xbzrle capability):
// alternating runs — ULEB128 length of unchanged bytes, ULEB128 length of changed bytes, the changed bytes.
// The source keeps a bounded cache of last-sent copies (xbzrle-cache-size); the destination applies the delta
// to the page it already holds.
import { PAGE_SIZE } from '../vmm/vm-state'

function putUleb(out: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  out[o++] = v
  return o
}

function getUleb(buf: Uint8Array, pos: { o: number }): number {
  let v = 0
  let shift = 0
  for (;;) {
    if (pos.o >= buf.length) throw new RangeError('truncated XBZRLE delta')
    const b = buf[pos.o++]
    v |= (b & 0x7f) << shift
    if ((b & 0x80) === 0) return v
    shift += 7
  }
}

/** The first index in [i, n) where `old` and `cur` differ (n when none). Whole 32-bit words are compared where both
 * arrays allow word views (a re-sent page is mostly unchanged: four bytes a step instead of one). */
function skipEqual(old: Uint8Array, cur: Uint8Array, i: number, n: number, old32: Int32Array | null, cur32: Int32Array | null): number {
  if (old32 !== null && cur32 !== null) {
    while (i < n && (i & 3) !== 0 && old[i] === cur[i]) i++
    if ((i & 3) === 0) {
      let w = i >> 2
      const wn = n >> 2
      while (w < wn && old32[w] === cur32[w]) w++
      i = w << 2
    }
  }
  while (i < n && old[i] === cur[i]) i++
  return i
}

/** A word view of a page, or null when its offset does not allow one. */
function words(page: Uint8Array): Int32Array | null {
  return page.byteOffset % 4 === 0 && page.length % 4 === 0 ? new Int32Array(page.buffer, page.byteOffset, page.length >> 2) : null
}

/** Encode `cur` against `old` (both PAGE_SIZE bytes) into `out` (at least `limit` + 16 bytes). Returns the delta's
 * length, or -1 when it would not be smaller than `limit` bytes (QEMU calls that an overflow: the page goes raw). */
export function xbzrleEncodeInto(old: Uint8Array, cur: Uint8Array, limit: number, out: Uint8Array): number {
  const old32 = words(old)
  const cur32 = words(cur)
  let o = 0
  let i = 0
  const n = cur.length
  while (i < n) {
    const zStart = i
    i = skipEqual(old, cur, i, n, old32, cur32)
    if (i === n) break // trailing unchanged bytes need no run
    const nzStart = i
    // a changed run ends at the first stretch of 2+ equal bytes (shorter stretches are cheaper inline)
    while (i < n && (old[i] !== cur[i] || (i + 1 < n && old[i + 1] !== cur[i + 1]))) i++
    const nzLen = i - nzStart
    if (o + 10 + nzLen > limit) return -1
    o = putUleb(out, o, nzStart - zStart)
    o = putUleb(out, o, nzLen)
    out.set(cur.subarray(nzStart, i), o)
    o += nzLen
  }
  return o
}

/** Encode `cur` against `old` (both PAGE_SIZE bytes). Returns null when the delta would not be smaller than
 * `limit` bytes (an overflow). */
export function xbzrleEncode(old: Uint8Array, cur: Uint8Array, limit: number): Uint8Array | null {
  const out = new Uint8Array(limit + 16)
  const n = xbzrleEncodeInto(old, cur, limit, out)
  return n < 0 ? null : out.slice(0, n)
}

/** Apply a delta in place to `page`. */
export function xbzrleDecode(delta: Uint8Array, page: Uint8Array): void {
  const pos = { o: 0 }
  let i = 0
  while (pos.o < delta.length) {
    i += getUleb(delta, pos)
    const len = getUleb(delta, pos)
    if (i + len > page.length || pos.o + len > delta.length) throw new RangeError('XBZRLE delta overruns the page')
    page.set(delta.subarray(pos.o, pos.o + len), i)
    pos.o += len
    i += len
  }
}

/** The cached copy of every zero page: one shared buffer, never written. */
const ZERO_COPY = new Uint8Array(PAGE_SIZE)
/** A cached zero page: no slot. */
const ZERO = -1
/** The arena of the last cache this thread released: the next cache of that size starts with it (its memory is
 * already backed: a fresh 64 MiB arena costs a page fault per slot on first use). */
let spareArena: Uint8Array | null = null

/** Last-sent copies of pages, bounded by `cacheBytes` / PAGE_SIZE entries (zero pages count as entries too, and take
 * no memory); the oldest entry goes first when full. The copies live in one arena of page slots, allocated on the
 * first copy and backed by the host as slots are used: no 4 KiB allocation per cached page, nothing for the
 * garbage collector, and a slot freed by an eviction is reused warm. */
export class XbzrleCache {
  /** Page index → its slot in the arena, or ZERO; insertion order is the eviction order. */
  private readonly entries = new Map<number, number>()
  private readonly capacity: number
  private arena: Uint8Array | null = null
  private readonly free: number[] = []
  private fresh = 0
  hits = 0
  misses = 0
  overflows = 0

  constructor(cacheBytes: number) {
    this.capacity = Math.floor(cacheBytes / PAGE_SIZE)
  }

  /** The cached copy of page `index` (a view into the arena: valid until the next put), or undefined. */
  get(index: number): Uint8Array | undefined {
    const slot = this.entries.get(index)
    if (slot === undefined) return undefined
    if (slot === ZERO) return ZERO_COPY
    const off = slot * PAGE_SIZE
    return (this.arena as Uint8Array).subarray(off, off + PAGE_SIZE)
  }

  /** Remember what was just sent for `index` (copies the bytes). */
  put(index: number, bytes: Uint8Array): void {
    if (this.capacity === 0) return
    let slot = this.entries.get(index)
    if (slot === undefined) {
      this.makeRoom()
      slot = this.takeSlot()
      this.entries.set(index, slot)
    } else if (slot === ZERO) {
      // this entry holds no slot and every other entry at most one, so one is free
      slot = this.takeSlot()
      this.entries.set(index, slot)
    }
    const arena = this.arena ?? (this.arena = this.newArena())
    arena.set(bytes.subarray(0, PAGE_SIZE), slot * PAGE_SIZE)
  }

  private newArena(): Uint8Array {
    const bytes = this.capacity * PAGE_SIZE
    const spare = spareArena
    if (spare !== null && spare.length === bytes) {
      spareArena = null
      return spare // slots are written before they are read: no need to clear it
    }
    return new Uint8Array(bytes)
  }

  /** The migration is over: forget everything and leave the arena to the thread's next cache. */
  release(): void {
    this.entries.clear()
    this.free.length = 0
    this.fresh = 0
    if (this.arena !== null) spareArena = this.arena
    this.arena = null
  }

  /** Remember that `index` was sent as a zero page (QEMU caches those too, so a small write later encodes
   * small). Costs no copy. */
  putZero(index: number): void {
    if (this.capacity === 0) return
    const slot = this.entries.get(index)
    if (slot === undefined) this.makeRoom()
    else if (slot !== ZERO) this.free.push(slot)
    this.entries.set(index, ZERO)
  }

  private makeRoom(): void {
    if (this.entries.size < this.capacity) return
    const oldest = this.entries.keys().next().value
    if (oldest !== undefined) this.forget(oldest)
  }

  private takeSlot(): number {
    return this.free.pop() ?? this.fresh++
  }

  forget(index: number): void {
    const slot = this.entries.get(index)
    if (slot === undefined) return
    this.entries.delete(index)
    if (slot !== ZERO) this.free.push(slot)
  }

  get sizeBytes(): number {
    return this.entries.size * PAGE_SIZE
  }
}
