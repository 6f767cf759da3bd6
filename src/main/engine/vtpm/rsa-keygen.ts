// Deterministic RSA-2048 key generation from a DRBG (the vTPM derives its keys from its seed, as a real TPM
// derives primary keys from its hierarchy seed). Probable primes by trial division + Miller-Rabin (FIPS 186-4
// C.3: 5 rounds suffice for 1024-bit primes with an error ≤ 2^-100; we use 8). Output is a JWK Node can import.
import type { JsonWebKey } from 'node:crypto'
import { base64url, bytesToBig, gcd, modInv, modPow } from './bigint'
import type { HmacDrbg } from './kdf'

const SMALL_PRIMES: number[] = (() => {
  const out: number[] = []
  for (let n = 3; out.length < 300; n += 2) if (out.every((p) => n % p !== 0)) out.push(n)
  return out
})()

function millerRabin(n: bigint, rounds: number, drbg: HmacDrbg): boolean {
  let d = n - 1n
  let s = 0
  while ((d & 1n) === 0n) {
    d >>= 1n
    s++
  }
  for (let i = 0; i < rounds; i++) {
    const a = (bytesToBig(drbg.generate(128)) % (n - 3n)) + 2n
    let x = modPow(a, d, n)
    if (x === 1n || x === n - 1n) continue
    let composite = true
    for (let r = 1; r < s; r++) {
      x = (x * x) % n
      if (x === n - 1n) {
        composite = false
        break
      }
    }
    if (composite) return false
  }
  return true
}

function generatePrime(bits: number, e: bigint, drbg: HmacDrbg): bigint {
  for (;;) {
    const raw = drbg.generate(bits / 8)
    raw[0] |= 0xc0 // top two bits: the product has exactly 2·bits bits
    raw[raw.length - 1] |= 1
    let cand = bytesToBig(raw)
    // walk odd numbers from the candidate until one passes the sieve and Miller-Rabin
    for (let step = 0; step < 2000; step++, cand += 2n) {
      if (SMALL_PRIMES.some((p) => cand % BigInt(p) === 0n)) continue
      if (gcd(cand - 1n, e) !== 1n) continue
      if (millerRabin(cand, 8, drbg)) return cand
    }
  }
}

/** An RSA-2048 private key (e = 65537) as a JWK. */
export function generateRsaJwk(drbg: HmacDrbg): JsonWebKey {
  const e = 65537n
  for (;;) {
    const p = generatePrime(1024, e, drbg)
    const q = generatePrime(1024, e, drbg)
    if (p === q) continue
    const n = p * q
    const phi = (p - 1n) * (q - 1n)
    const d = modInv(e, phi)
    const [hi, lo] = p > q ? [p, q] : [q, p]
    return {
      kty: 'RSA',
      n: base64url(n, 256),
      e: base64url(e, 3),
      d: base64url(d, 256),
      p: base64url(hi, 128),
      q: base64url(lo, 128),
      dp: base64url(d % (hi - 1n), 128),
      dq: base64url(d % (lo - 1n), 128),
      qi: base64url(modInv(lo, hi), 128)
    }
  }
}
