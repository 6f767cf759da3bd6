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

/** Encode `cur` against `old` (both PAGE_SIZE bytes). Returns null when the delta would not be smaller than
 * `limit` bytes (QEMU calls that an overflow: the page goes raw). */
export function xbzrleEncode(old: Uint8Array, cur: Uint8Array, limit: number): Uint8Array | null {
  const scratch = new Uint8Array(limit + 16)
  let o = 0
  let i = 0
  const n = cur.length
  while (i < n) {
    const zStart = i
    while (i < n && old[i] === cur[i]) i++
    if (i === n) break // trailing unchanged bytes need no run
    const nzStart = i
    // a changed run ends at the first stretch of 2+ equal bytes (shorter stretches are cheaper inline)
    while (i < n && (old[i] !== cur[i] || (i + 1 < n && old[i + 1] !== cur[i + 1]))) i++
    const nzLen = i - nzStart
    if (o + 10 + nzLen > limit) return null
    o = putUleb(scratch, o, nzStart - zStart)
    o = putUleb(scratch, o, nzLen)
    scratch.set(cur.subarray(nzStart, i), o)
    o += nzLen
  }
  return scratch.slice(0, o)
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

/** The cached copy of every zero page: one shared buffer, never written (put() replaces it with a copy). */
const ZERO_COPY = new Uint8Array(PAGE_SIZE)

/** Last-sent copies of pages, bounded in bytes; the oldest entry goes first when full. */
export class XbzrleCache {
  private readonly pages = new Map<number, Uint8Array>()
  private readonly capacity: number
  hits = 0
  misses = 0
  overflows = 0

  constructor(cacheBytes: number) {
    this.capacity = Math.floor(cacheBytes / PAGE_SIZE)
  }

  get(index: number): Uint8Array | undefined {
    return this.pages.get(index)
  }

  /** Remember what was just sent for `index` (copies the bytes). */
  put(index: number, bytes: Uint8Array): void {
    const have = this.pages.get(index)
    if (have && have !== ZERO_COPY) {
      have.set(bytes)
      return
    }
    this.store(index, have, bytes.slice(0, PAGE_SIZE))
  }

  /** Remember that `index` was sent as a zero page (QEMU caches those too, so a small write later encodes
   * small). Costs no copy. */
  putZero(index: number): void {
    this.store(index, this.pages.get(index), ZERO_COPY)
  }

  private store(index: number, have: Uint8Array | undefined, copy: Uint8Array): void {
    if (this.capacity === 0) return
    if (have) {
      this.pages.set(index, copy)
      return
    }
    if (this.pages.size >= this.capacity) {
      const oldest = this.pages.keys().next().value
      if (oldest !== undefined) this.pages.delete(oldest)
    }
    this.pages.set(index, copy)
  }

  forget(index: number): void {
    this.pages.delete(index)
  }

  get sizeBytes(): number {
    return this.pages.size * PAGE_SIZE
  }
}
