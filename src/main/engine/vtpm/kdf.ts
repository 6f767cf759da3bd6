// Hashes and the TPM key derivation functions (TPM 2.0 Part 1, 11.4.10): KDFa (SP 800-108 counter mode with
// HMAC) and KDFe (SP 800-56A concatenation KDF), plus a deterministic byte generator (HMAC-DRBG, SP 800-90A)
// that gives the vTPM all of its "randomness" from its seed.
import { createHash, createHmac } from 'node:crypto'
import type { HashName } from './constants'
import { ByteWriter, concatBytes } from './marshal'

export function hash(alg: HashName, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg)
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

export function hmac(alg: HashName, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac(alg, key)
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** A label as the TPM uses it: the ASCII string followed by a terminating zero byte. */
function label(text: string): Uint8Array {
  return concatBytes(new TextEncoder().encode(text), new Uint8Array([0]))
}

/** The counter loop both KDFs share: block(counter) for counter = 1, 2, … until `bits` are produced. */
function counterKdf(bits: number, block: (counter: Uint8Array) => Uint8Array): Uint8Array {
  const bytes = Math.ceil(bits / 8)
  const out: Uint8Array[] = []
  let have = 0
  for (let counter = 1; have < bytes; counter++) {
    const b = block(new ByteWriter().u32(counter).finish())
    out.push(b)
    have += b.length
  }
  return concatBytes(...out).slice(0, bytes)
}

/** KDFa(hashAlg, key, label, contextU, contextV, bits). */
export function kdfa(
  alg: HashName,
  key: Uint8Array,
  lbl: string,
  contextU: Uint8Array,
  contextV: Uint8Array,
  bits: number
): Uint8Array {
  const bitsBytes = new ByteWriter().u32(bits).finish()
  return counterKdf(bits, (c) => hmac(alg, key, c, label(lbl), contextU, contextV, bitsBytes))
}

/** KDFe(hashAlg, Z, label, partyUInfo, partyVInfo, bits). */
export function kdfe(
  alg: HashName,
  z: Uint8Array,
  lbl: string,
  partyU: Uint8Array,
  partyV: Uint8Array,
  bits: number
): Uint8Array {
  return counterKdf(bits, (c) => hash(alg, c, z, label(lbl), partyU, partyV))
}

/** HMAC-DRBG with SHA-256 (SP 800-90A 10.1.2), no reseeding: a deterministic stream from a seed. */
export class HmacDrbg {
  private k: Uint8Array = new Uint8Array(32)
  private v: Uint8Array = new Uint8Array(32).fill(1)

  constructor(seed: Uint8Array, personalization: string) {
    this.update(concatBytes(seed, new TextEncoder().encode(personalization)))
  }

  private update(data: Uint8Array | null): void {
    this.k = hmac('sha256', this.k, this.v, new Uint8Array([0]), data ?? new Uint8Array(0))
    this.v = hmac('sha256', this.k, this.v)
    if (!data || data.length === 0) return
    this.k = hmac('sha256', this.k, this.v, new Uint8Array([1]), data)
    this.v = hmac('sha256', this.k, this.v)
  }

  generate(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let o = 0
    while (o < n) {
      this.v = hmac('sha256', this.k, this.v)
      const take = Math.min(this.v.length, n - o)
      out.set(this.v.subarray(0, take), o)
      o += take
    }
    this.update(null)
    return out
  }
}
