// XBZRLE pieces: deltas (word-wise skipping of unchanged bytes must give the same runs as byte-wise) and the cache
// of last-sent copies (one arena of slots, FIFO eviction, zero pages without a slot).
import { describe, expect, it } from 'vitest'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import { XbzrleCache, xbzrleDecode, xbzrleEncode, xbzrleEncodeInto } from '../../../src/main/engine/migration/xbzrle'

/** A deterministic byte stream (xorshift). */
function bytes(seed: number, n: number): Uint8Array {
  let x = seed >>> 0 || 1
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** Byte-wise reference of the run format: (ULEB unchanged, ULEB changed, changed bytes)… */
function reference(old: Uint8Array, cur: Uint8Array): number[] {
  const out: number[] = []
  const uleb = (v: number): void => {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80)
      v >>>= 7
    }
    out.push(v)
  }
  let i = 0
  while (i < cur.length) {
    const z = i
    while (i < cur.length && old[i] === cur[i]) i++
    if (i === cur.length) break
    const s = i
    while (i < cur.length && (old[i] !== cur[i] || (i + 1 < cur.length && old[i + 1] !== cur[i + 1]))) i++
    uleb(s - z)
    uleb(i - s)
    for (let k = s; k < i; k++) out.push(cur[k])
  }
  return out
}

describe('XBZRLE deltas', () => {
  it('match the byte-wise run format on aligned and unaligned pages, and decode back', () => {
    const backing = new Uint8Array(3 * PAGE_SIZE + 8)
    for (const [shiftOld, shiftCur] of [
      [0, 0],
      [1, 0],
      [0, 3],
      [2, 2]
    ]) {
      for (let seed = 1; seed <= 40; seed++) {
        const old = backing.subarray(shiftOld, shiftOld + PAGE_SIZE)
        const cur = backing.subarray(PAGE_SIZE + 4 + shiftCur, PAGE_SIZE + 4 + shiftCur + PAGE_SIZE)
        old.set(bytes(seed, PAGE_SIZE))
        cur.set(old)
        // a few changed stretches: single bytes, words, a longer run, near the ends too
        const r = bytes(seed * 7919, 64)
        for (let k = 0; k < 1 + (seed % 9); k++) {
          const at = ((r[2 * k] << 8) | r[2 * k + 1]) % PAGE_SIZE
          const len = 1 + (r[20 + k] % (seed % 3 === 0 ? 40 : 5))
          for (let b = at; b < Math.min(PAGE_SIZE, at + len); b++) cur[b] ^= 0x5a
        }
        if (seed % 5 === 0) cur[PAGE_SIZE - 1] ^= 1
        if (seed % 6 === 0) cur[0] ^= 1
        const delta = xbzrleEncode(old, cur, PAGE_SIZE - 256)
        expect(delta).not.toBeNull()
        expect(Array.from(delta ?? [])).toEqual(reference(old, cur))
        const page = old.slice()
        xbzrleDecode(delta ?? new Uint8Array(0), page)
        expect(Buffer.from(page).equals(Buffer.from(cur))).toBe(true)
      }
    }
  })

  it('reports an overflow as -1 (into) / null, and an unchanged page as an empty delta', () => {
    const old = bytes(3, PAGE_SIZE)
    const out = new Uint8Array(PAGE_SIZE + 16)
    expect(xbzrleEncodeInto(old, bytes(4, PAGE_SIZE), PAGE_SIZE - 256, out)).toBe(-1)
    expect(xbzrleEncode(old, bytes(4, PAGE_SIZE), PAGE_SIZE - 256)).toBeNull()
    expect(xbzrleEncodeInto(old, old.slice(), PAGE_SIZE - 256, out)).toBe(0)
  })
})

describe('XbzrleCache', () => {
  const page = (v: number): Uint8Array => new Uint8Array(PAGE_SIZE).fill(v)

  it('keeps copies (not views) and evicts the oldest entry first, zero entries included', () => {
    const c = new XbzrleCache(3 * PAGE_SIZE)
    const a = page(1)
    c.put(10, a)
    a.fill(9) // the cache holds what was sent, not the live page
    c.putZero(11)
    c.put(12, page(3))
    expect(c.get(10)?.[0]).toBe(1)
    expect(c.get(11)?.every((b) => b === 0)).toBe(true)
    expect(c.sizeBytes).toBe(3 * PAGE_SIZE)
    c.put(13, page(4)) // full: 10 goes, its slot is reused
    expect(c.get(10)).toBeUndefined()
    expect(c.get(12)?.[100]).toBe(3)
    expect(c.get(13)?.[4095]).toBe(4)
    c.put(11, page(5)) // a zero entry gets a slot, keeps its place in the order
    c.put(14, page(6)) // 11 is now the oldest
    expect(c.get(11)).toBeUndefined()
    expect([c.get(12)?.[0], c.get(13)?.[0], c.get(14)?.[0]]).toEqual([3, 4, 6])
    c.putZero(12) // data → zero frees its slot
    c.put(15, page(7)) // evicts 12 (oldest)
    c.put(16, page(8)) // evicts 13
    expect([c.get(14)?.[0], c.get(15)?.[0], c.get(16)?.[0]]).toEqual([6, 7, 8])
    expect(c.sizeBytes).toBe(3 * PAGE_SIZE)
  })

  it('a zero-size cache keeps nothing', () => {
    const c = new XbzrleCache(100)
    c.put(1, page(1))
    c.putZero(2)
    expect(c.get(1)).toBeUndefined()
    expect(c.get(2)).toBeUndefined()
    expect(c.sizeBytes).toBe(0)
  })
})
