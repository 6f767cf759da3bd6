// Deterministic ECDSA on NIST P-256 (FIPS 186-4) with RFC 6979 nonces, so that the same vTPM state produces the
// same quote signature (Node's crypto.sign draws a random k). Verification is left to Node's crypto, which makes
// every test an independent check of this code. Key agreement (ECDH) also uses Node's crypto.
import { bigToBytes, bytesToBig, mod, modInv } from './bigint'
import { hmac } from './kdf'
import { concatBytes } from './marshal'

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n

/** A point in Jacobian coordinates (X/Z², Y/Z³); Z = 0 is the point at infinity. */
interface Jac {
  x: bigint
  y: bigint
  z: bigint
}

function dbl(p: Jac): Jac {
  if (p.z === 0n || p.y === 0n) return { x: 0n, y: 1n, z: 0n }
  // a = -3: M = 3(X - Z²)(X + Z²)
  const zz = (p.z * p.z) % P
  const m = mod(3n * (p.x - zz) * (p.x + zz), P)
  const yy = (p.y * p.y) % P
  const s = (4n * p.x * yy) % P
  const x = mod(m * m - 2n * s, P)
  const y = mod(m * (s - x) - 8n * yy * yy, P)
  const z = (2n * p.y * p.z) % P
  return { x, y, z }
}

function add(p: Jac, q: Jac): Jac {
  if (p.z === 0n) return q
  if (q.z === 0n) return p
  const pz2 = (p.z * p.z) % P
  const qz2 = (q.z * q.z) % P
  const u1 = (p.x * qz2) % P
  const u2 = (q.x * pz2) % P
  const s1 = (p.y * qz2 * q.z) % P
  const s2 = (q.y * pz2 * p.z) % P
  if (u1 === u2) return s1 === s2 ? dbl(p) : { x: 0n, y: 1n, z: 0n }
  const h = mod(u2 - u1, P)
  const r = mod(s2 - s1, P)
  const hh = (h * h) % P
  const hhh = (hh * h) % P
  const x = mod(r * r - hhh - 2n * u1 * hh, P)
  const y = mod(r * (u1 * hh - x) - s1 * hhh, P)
  const z = (h * p.z * q.z) % P
  return { x, y, z }
}

/** 2^i·G for i = 0..255 in affine form (z = 1), built on first use: k·G is then one addition per set bit. */
let gTable: Jac[] | null = null

function doublingsOfG(): Jac[] {
  if (gTable) return gTable
  const table: Jac[] = []
  let p: Jac = { x: GX, y: GY, z: 1n }
  for (let i = 0; i < 256; i++) {
    table.push(toAffine(p))
    p = dbl(p)
  }
  gTable = table
  return table
}

function toAffine(p: Jac): Jac {
  const zi = modInv(p.z, P)
  const zi2 = (zi * zi) % P
  return { x: (p.x * zi2) % P, y: (p.y * zi2 * zi) % P, z: 1n }
}

function mulG(k: bigint): { x: bigint; y: bigint } {
  const table = doublingsOfG()
  let acc: Jac = { x: 0n, y: 1n, z: 0n }
  let e = k
  for (let i = 0; e > 0n; i++, e >>= 1n) if (e & 1n) acc = add(acc, table[i])
  const a = toAffine(acc)
  return { x: a.x, y: a.y }
}

/** The public point of a private scalar, as 32-byte x and y. */
export function p256PublicFromPrivate(d: Uint8Array): { x: Uint8Array; y: Uint8Array } {
  const pt = mulG(bytesToBig(d))
  return { x: bigToBytes(pt.x, 32), y: bigToBytes(pt.y, 32) }
}

/** Derive a valid private scalar (1 ≤ d < n) from 32+ bytes of key material. */
export function p256PrivateFromBytes(material: Uint8Array): Uint8Array {
  return bigToBytes(mod(bytesToBig(material), P256_N - 1n) + 1n, 32)
}

/** RFC 6979 section 3.2 nonce for SHA-256 / P-256 (qlen = hlen = 256, so bits2int is a plain conversion). */
function rfc6979K(d: Uint8Array, digest: Uint8Array): bigint {
  const h1 = bigToBytes(mod(bytesToBig(digest), P256_N), 32)
  let v: Uint8Array = new Uint8Array(32).fill(1)
  let k: Uint8Array = new Uint8Array(32)
  k = hmac('sha256', k, concatBytes(v, new Uint8Array([0]), d, h1))
  v = hmac('sha256', k, v)
  k = hmac('sha256', k, concatBytes(v, new Uint8Array([1]), d, h1))
  v = hmac('sha256', k, v)
  for (;;) {
    v = hmac('sha256', k, v)
    const cand = bytesToBig(v)
    if (cand >= 1n && cand < P256_N) return cand
    k = hmac('sha256', k, concatBytes(v, new Uint8Array([0])))
    v = hmac('sha256', k, v)
  }
}

/** ECDSA signature (r, s as 32-byte big-endian) over a 32-byte digest. */
export function p256Sign(d: Uint8Array, digest: Uint8Array): { r: Uint8Array; s: Uint8Array } {
  const priv = bytesToBig(d)
  const e = bytesToBig(digest)
  let k = rfc6979K(d, digest)
  for (;;) {
    const r = mod(mulG(k).x, P256_N)
    const s = mod(modInv(k, P256_N) * (e + r * priv), P256_N)
    if (r !== 0n && s !== 0n) return { r: bigToBytes(r, 32), s: bigToBytes(s, 32) }
    k = mod(k + 1n, P256_N) // practically unreachable
  }
}
