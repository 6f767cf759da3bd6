// A minimal DER encoder (ITU-T X.690) for the few ASN.1 types an X.509 certificate needs.

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n]
  const out: number[] = []
  for (let x = n; x > 0; x = Math.floor(x / 256)) out.unshift(x & 0xff)
  return [0x80 | out.length, ...out]
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const len = lengthBytes(content.length)
  const out = new Uint8Array(1 + len.length + content.length)
  out[0] = tag
  out.set(len, 1)
  out.set(content, 1 + len.length)
  return out
}

function cat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}

export const seq = (...items: Uint8Array[]): Uint8Array => tlv(0x30, cat(items))
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, cat(items))
/** [n] EXPLICIT (constructed, context-specific). */
export const explicit = (n: number, item: Uint8Array): Uint8Array => tlv(0xa0 | n, item)
export const octetString = (b: Uint8Array): Uint8Array => tlv(0x04, b)
export const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, cat([new Uint8Array([0]), b]))
export const utf8 = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s))
export const bool = (v: boolean): Uint8Array => tlv(0x01, new Uint8Array([v ? 0xff : 0]))
export const nul = (): Uint8Array => tlv(0x05, new Uint8Array(0))

/** A non-negative INTEGER from big-endian magnitude bytes. */
export function integer(magnitude: Uint8Array): Uint8Array {
  let i = 0
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++
  const m = magnitude.subarray(i)
  return tlv(0x02, m[0] & 0x80 ? cat([new Uint8Array([0]), m]) : m)
}

export function smallInt(v: number): Uint8Array {
  return integer(Uint8Array.from([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]))
}

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number)
  const out: number[] = [parts[0] * 40 + parts[1]]
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f]
    for (let x = Math.floor(p / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift(0x80 | (x & 0x7f))
    out.push(...chunk)
  }
  return tlv(0x06, Uint8Array.from(out))
}

/** UTCTime (years before 2050) or GeneralizedTime, from "YYYYMMDDHHMMSS". */
export function time(yyyymmddhhmmss: string): Uint8Array {
  const year = Number(yyyymmddhhmmss.slice(0, 4))
  const text = year < 2050 ? yyyymmddhhmmss.slice(2) + 'Z' : yyyymmddhhmmss + 'Z'
  return tlv(year < 2050 ? 0x17 : 0x18, new TextEncoder().encode(text))
}
