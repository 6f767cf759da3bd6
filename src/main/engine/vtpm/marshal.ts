// Byte writer/reader for TPM marshalling (big-endian, TPM 2.0 Part 2) and TCG event logs (little-endian).
import { EngineError } from '../errors'

export class ByteWriter {
  private buf = new Uint8Array(256)
  private len = 0

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < this.len + n) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  u8(v: number): this {
    this.ensure(1)
    this.buf[this.len++] = v & 0xff
    return this
  }
  u16(v: number): this {
    this.ensure(2)
    this.buf[this.len++] = (v >>> 8) & 0xff
    this.buf[this.len++] = v & 0xff
    return this
  }
  u32(v: number): this {
    this.ensure(4)
    for (let s = 24; s >= 0; s -= 8) this.buf[this.len++] = (v >>> s) & 0xff
    return this
  }
  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn))
    return this.u32(Number(v & 0xffffffffn))
  }
  u16le(v: number): this {
    this.ensure(2)
    this.buf[this.len++] = v & 0xff
    this.buf[this.len++] = (v >>> 8) & 0xff
    return this
  }
  u32le(v: number): this {
    this.ensure(4)
    for (let s = 0; s <= 24; s += 8) this.buf[this.len++] = (v >>> s) & 0xff
    return this
  }
  u64le(v: bigint): this {
    this.u32le(Number(v & 0xffffffffn))
    return this.u32le(Number((v >> 32n) & 0xffffffffn))
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
    return this
  }
  /** TPM2B_*: a 16-bit big-endian size then the bytes. */
  tpm2b(b: Uint8Array): this {
    return this.u16(b.length).bytes(b)
  }
  get length(): number {
    return this.len
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}

/** Reads marshalled data; every overrun throws VTPM_MARSHAL_TRUNCATED with the structure being read. */
export class ByteReader {
  private pos = 0
  constructor(
    private readonly buf: Uint8Array,
    private readonly what = 'structure'
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new EngineError('VTPM_MARSHAL_TRUNCATED', `${this.what}: truncated at offset ${this.pos}`, {
        structure: this.what,
        offset: this.pos
      })
  }
  u8(): number {
    this.need(1)
    return this.buf[this.pos++]
  }
  u16(): number {
    this.need(2)
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1]
    this.pos += 2
    return v
  }
  u32(): number {
    this.need(4)
    const b = this.buf
    const p = this.pos
    this.pos += 4
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0
  }
  u64(): bigint {
    const hi = BigInt(this.u32())
    return (hi << 32n) | BigInt(this.u32())
  }
  u16le(): number {
    this.need(2)
    const v = this.buf[this.pos] | (this.buf[this.pos + 1] << 8)
    this.pos += 2
    return v
  }
  u32le(): number {
    this.need(4)
    const b = this.buf
    const p = this.pos
    this.pos += 4
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
  }
  u64le(): bigint {
    const lo = BigInt(this.u32le())
    return (BigInt(this.u32le()) << 32n) | lo
  }
  bytes(n: number): Uint8Array {
    this.need(n)
    const out = this.buf.slice(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  tpm2b(): Uint8Array {
    return this.bytes(this.u16())
  }
  get offset(): number {
    return this.pos
  }
  get remaining(): number {
    return this.buf.length - this.pos
  }
  /** Throws VTPM_MARSHAL_TRAILING if bytes are left over. */
  end(): void {
    if (this.pos !== this.buf.length)
      throw new EngineError('VTPM_MARSHAL_TRAILING', `${this.what}: ${this.remaining} trailing bytes`, {
        structure: this.what,
        bytes: this.remaining
      })
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

export function fromHex(s: string): Uint8Array {
  const clean = s.trim().replace(/^0x/i, '')
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean))
    throw new EngineError('VTPM_BAD_HEX', `not a hex string: ${s.slice(0, 40)}`, { value: s.slice(0, 40) })
  return Uint8Array.from(Buffer.from(clean, 'hex'))
}
