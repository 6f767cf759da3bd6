// TPM 2.0 structures the vTPM produces and the verifier parses (Part 2 marshalling, big-endian):
// TPMT_PUBLIC, TPML_PCR_SELECTION, TPMS_ATTEST (quote), TPMT_SIGNATURE, and object Names.
import { createPublicKey, type KeyObject } from 'node:crypto'
import {
  AK_ATTRIBUTES,
  HASH_ALG_ID,
  hashNameOf,
  type HashName,
  TPM_ALG_AES,
  TPM_ALG_CFB,
  TPM_ALG_ECC,
  TPM_ALG_ECDSA,
  TPM_ALG_KEYEDHASH,
  TPM_ALG_NULL,
  TPM_ALG_RSA,
  TPM_ALG_RSASSA,
  TPM_ALG_SHA256,
  TPM_ECC_NIST_P256,
  TPM_GENERATED_VALUE,
  TPM_ST_ATTEST_QUOTE
} from './constants'
import { EngineError } from '../errors'
import { hash } from './kdf'
import { ByteReader, ByteWriter, concatBytes } from './marshal'

// ---------------------------------------------------------------------------------------------- TPMT_PUBLIC

/** The public area subset we use: ECC P-256 and RSA-2048 keys, and KEYEDHASH sealed-data objects. */
export type TpmtPublic =
  | {
      type: 'ecc'
      nameAlg: number
      attributes: number
      authPolicy: Uint8Array
      /** TPMT_SYM_DEF_OBJECT: AES-128-CFB for storage keys (EK), null for signing keys. */
      symmetric: 'aes128cfb' | 'null'
      /** Signing scheme: ECDSA with hashAlg, or null. */
      scheme: { alg: number; hashAlg: number } | null
      curve: number
      x: Uint8Array
      y: Uint8Array
    }
  | {
      type: 'rsa'
      nameAlg: number
      attributes: number
      authPolicy: Uint8Array
      symmetric: 'aes128cfb' | 'null'
      scheme: { alg: number; hashAlg: number } | null
      keyBits: number
      exponent: number
      n: Uint8Array
    }
  | { type: 'keyedhash'; nameAlg: number; attributes: number; authPolicy: Uint8Array; unique: Uint8Array }

function writeSymmetric(w: ByteWriter, sym: 'aes128cfb' | 'null'): void {
  if (sym === 'aes128cfb') w.u16(TPM_ALG_AES).u16(128).u16(TPM_ALG_CFB)
  else w.u16(TPM_ALG_NULL)
}

function readSymmetric(r: ByteReader): 'aes128cfb' | 'null' {
  const alg = r.u16()
  if (alg === TPM_ALG_NULL) return 'null'
  const bits = r.u16()
  const mode = r.u16()
  if (alg !== TPM_ALG_AES || bits !== 128 || mode !== TPM_ALG_CFB) throw unsupported('symmetric', alg)
  return 'aes128cfb'
}

function writeScheme(w: ByteWriter, scheme: { alg: number; hashAlg: number } | null): void {
  if (scheme) w.u16(scheme.alg).u16(scheme.hashAlg)
  else w.u16(TPM_ALG_NULL)
}

function readScheme(r: ByteReader): { alg: number; hashAlg: number } | null {
  const alg = r.u16()
  return alg === TPM_ALG_NULL ? null : { alg, hashAlg: r.u16() }
}

function unsupported(field: string, value: number): EngineError {
  return new EngineError('VTPM_UNSUPPORTED_ALG', `unsupported ${field} 0x${value.toString(16)}`, { field, value })
}

export function marshalPublic(p: TpmtPublic): Uint8Array {
  const w = new ByteWriter()
  w.u16(p.type === 'ecc' ? TPM_ALG_ECC : p.type === 'rsa' ? TPM_ALG_RSA : TPM_ALG_KEYEDHASH)
  w.u16(p.nameAlg).u32(p.attributes).tpm2b(p.authPolicy)
  if (p.type === 'ecc') {
    writeSymmetric(w, p.symmetric)
    writeScheme(w, p.scheme)
    w.u16(p.curve).u16(TPM_ALG_NULL) // kdf: null
    w.tpm2b(p.x).tpm2b(p.y)
  } else if (p.type === 'rsa') {
    writeSymmetric(w, p.symmetric)
    writeScheme(w, p.scheme)
    w.u16(p.keyBits).u32(p.exponent)
    w.tpm2b(p.n)
  } else {
    w.u16(TPM_ALG_NULL) // TPMT_KEYEDHASH_SCHEME: null (sealed data)
    w.tpm2b(p.unique)
  }
  return w.finish()
}

export function readPublic(r: ByteReader): TpmtPublic {
  const type = r.u16()
  const nameAlg = r.u16()
  const attributes = r.u32()
  const authPolicy = r.tpm2b()
  if (type === TPM_ALG_ECC) {
    const symmetric = readSymmetric(r)
    const scheme = readScheme(r)
    const curve = r.u16()
    const kdf = r.u16()
    if (kdf !== TPM_ALG_NULL) throw unsupported('kdf', kdf)
    return { type: 'ecc', nameAlg, attributes, authPolicy, symmetric, scheme, curve, x: r.tpm2b(), y: r.tpm2b() }
  }
  if (type === TPM_ALG_RSA) {
    const symmetric = readSymmetric(r)
    const scheme = readScheme(r)
    const keyBits = r.u16()
    const exponent = r.u32()
    return { type: 'rsa', nameAlg, attributes, authPolicy, symmetric, scheme, keyBits, exponent, n: r.tpm2b() }
  }
  if (type === TPM_ALG_KEYEDHASH) {
    const scheme = r.u16()
    if (scheme !== TPM_ALG_NULL) throw unsupported('keyedhash scheme', scheme)
    return { type: 'keyedhash', nameAlg, attributes, authPolicy, unique: r.tpm2b() }
  }
  throw unsupported('object type', type)
}

/** TPM2B_PUBLIC: the size-prefixed public area (what `tpm2_createek -u` writes). */
export function marshalPublic2b(p: TpmtPublic): Uint8Array {
  return new ByteWriter().tpm2b(marshalPublic(p)).finish()
}

export function parsePublic2b(bytes: Uint8Array): TpmtPublic {
  const outer = new ByteReader(bytes, 'TPM2B_PUBLIC')
  const inner = new ByteReader(outer.tpm2b(), 'TPMT_PUBLIC')
  outer.end()
  const p = readPublic(inner)
  inner.end()
  return p
}

/** Name = nameAlg ‖ H_nameAlg(TPMT_PUBLIC) (Part 1, 16). */
export function objectName(p: TpmtPublic): Uint8Array {
  const alg = hashNameOf(p.nameAlg)
  if (!alg) throw unsupported('nameAlg', p.nameAlg)
  return concatBytes(new ByteWriter().u16(p.nameAlg).finish(), hash(alg, marshalPublic(p)))
}

/** Qualified name of an object: nameAlg ‖ H(parent's qualified name ‖ Name). A hierarchy's QN is its handle. */
export function qualifiedName(parentQn: Uint8Array, name: Uint8Array, nameAlg: HashName = 'sha256'): Uint8Array {
  return concatBytes(new ByteWriter().u16(HASH_ALG_ID[nameAlg]).finish(), hash(nameAlg, parentQn, name))
}

export function handleBytes(handle: number): Uint8Array {
  return new ByteWriter().u32(handle).finish()
}

/** The TPMT_PUBLIC an attestation key gets from tpm2_createak (-G ecc -s ecdsa / -G rsa -s rsassa, -g sha256). */
export function akTemplate(key: { kind: 'ecc'; x: Uint8Array; y: Uint8Array } | { kind: 'rsa'; n: Uint8Array }): TpmtPublic {
  if (key.kind === 'ecc')
    return {
      type: 'ecc',
      nameAlg: TPM_ALG_SHA256,
      attributes: AK_ATTRIBUTES,
      authPolicy: new Uint8Array(0),
      symmetric: 'null',
      scheme: { alg: TPM_ALG_ECDSA, hashAlg: TPM_ALG_SHA256 },
      curve: TPM_ECC_NIST_P256,
      x: key.x,
      y: key.y
    }
  return {
    type: 'rsa',
    nameAlg: TPM_ALG_SHA256,
    attributes: AK_ATTRIBUTES,
    authPolicy: new Uint8Array(0),
    symmetric: 'null',
    scheme: { alg: TPM_ALG_RSASSA, hashAlg: TPM_ALG_SHA256 },
    keyBits: 2048,
    exponent: 0,
    n: key.n
  }
}

/** A Node public KeyObject for an ECC P-256 or RSA public area (e.g. to write ak.pem). */
export function publicKeyObject(p: TpmtPublic): KeyObject {
  if (p.type === 'ecc') {
    if (p.curve !== TPM_ECC_NIST_P256) throw unsupported('curve', p.curve)
    const x = Buffer.from(p.x).toString('base64url')
    const y = Buffer.from(p.y).toString('base64url')
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' })
  }
  if (p.type === 'rsa') {
    const e = p.exponent === 0 ? 65537 : p.exponent
    const eb = new ByteWriter().u32(e).finish()
    let i = 0
    while (i < 3 && eb[i] === 0) i++
    return createPublicKey({
      key: { kty: 'RSA', n: Buffer.from(p.n).toString('base64url'), e: Buffer.from(eb.subarray(i)).toString('base64url') },
      format: 'jwk'
    })
  }
  throw unsupported('object type for a public key', TPM_ALG_KEYEDHASH)
}

// ------------------------------------------------------------------------------------- TPML_PCR_SELECTION

export interface PcrSelection {
  hash: HashName
  pcrs: number[] // ascending PCR indices
}

export function writePcrSelections(w: ByteWriter, sels: readonly PcrSelection[]): void {
  w.u32(sels.length)
  for (const s of sels) {
    w.u16(HASH_ALG_ID[s.hash]).u8(3)
    const bits = new Uint8Array(3)
    for (const p of s.pcrs) bits[p >> 3] |= 1 << (p & 7)
    w.bytes(bits)
  }
}

export function readPcrSelections(r: ByteReader): PcrSelection[] {
  const count = r.u32()
  if (count > 16) throw new EngineError('VTPM_MARSHAL_BAD_COUNT', `PCR selection count ${count}`, { count })
  const out: PcrSelection[] = []
  for (let i = 0; i < count; i++) {
    const alg = r.u16()
    const h = hashNameOf(alg)
    if (!h) throw unsupported('PCR bank', alg)
    const size = r.u8()
    const bits = r.bytes(size)
    const pcrs: number[] = []
    for (let p = 0; p < size * 8; p++) if (bits[p >> 3] & (1 << (p & 7))) pcrs.push(p)
    out.push({ hash: h, pcrs })
  }
  return out
}

// -------------------------------------------------------------------------------------------- TPMS_ATTEST

export interface ClockInfo {
  clock: bigint // milliseconds
  resetCount: number
  restartCount: number
  safe: boolean
}

export interface QuoteAttest {
  magic: number
  type: number
  qualifiedSigner: Uint8Array
  extraData: Uint8Array
  clockInfo: ClockInfo
  firmwareVersion: bigint
  pcrSelect: PcrSelection[]
  pcrDigest: Uint8Array
}

export function marshalAttest(a: QuoteAttest): Uint8Array {
  const w = new ByteWriter()
  w.u32(a.magic).u16(a.type).tpm2b(a.qualifiedSigner).tpm2b(a.extraData)
  w.u64(a.clockInfo.clock).u32(a.clockInfo.resetCount).u32(a.clockInfo.restartCount).u8(a.clockInfo.safe ? 1 : 0)
  w.u64(a.firmwareVersion)
  writePcrSelections(w, a.pcrSelect)
  w.tpm2b(a.pcrDigest)
  return w.finish()
}

/** Parses a quote's TPMS_ATTEST (quote.msg). Rejects a wrong magic or a type other than TPM_ST_ATTEST_QUOTE. */
export function parseAttest(bytes: Uint8Array): QuoteAttest {
  const r = new ByteReader(bytes, 'TPMS_ATTEST')
  const magic = r.u32()
  if (magic !== TPM_GENERATED_VALUE)
    throw new EngineError('VTPM_ATTEST_BAD_MAGIC', `TPMS_ATTEST magic 0x${magic.toString(16)}`, { magic })
  const type = r.u16()
  if (type !== TPM_ST_ATTEST_QUOTE)
    throw new EngineError('VTPM_ATTEST_NOT_QUOTE', `TPMS_ATTEST type 0x${type.toString(16)}`, { type })
  const qualifiedSigner = r.tpm2b()
  const extraData = r.tpm2b()
  const clockInfo: ClockInfo = { clock: r.u64(), resetCount: r.u32(), restartCount: r.u32(), safe: r.u8() !== 0 }
  const firmwareVersion = r.u64()
  const pcrSelect = readPcrSelections(r)
  const pcrDigest = r.tpm2b()
  r.end()
  return { magic, type, qualifiedSigner, extraData, clockInfo, firmwareVersion, pcrSelect, pcrDigest }
}

// ----------------------------------------------------------------------------------------- TPMT_SIGNATURE

export type TpmtSignature =
  | { alg: 'ecdsa'; hashAlg: number; r: Uint8Array; s: Uint8Array }
  | { alg: 'rsassa'; hashAlg: number; sig: Uint8Array }

export function marshalSignature(s: TpmtSignature): Uint8Array {
  const w = new ByteWriter()
  if (s.alg === 'ecdsa') w.u16(TPM_ALG_ECDSA).u16(s.hashAlg).tpm2b(s.r).tpm2b(s.s)
  else w.u16(TPM_ALG_RSASSA).u16(s.hashAlg).tpm2b(s.sig)
  return w.finish()
}

export function parseSignature(bytes: Uint8Array): TpmtSignature {
  const r = new ByteReader(bytes, 'TPMT_SIGNATURE')
  const alg = r.u16()
  const hashAlg = r.u16()
  let out: TpmtSignature
  if (alg === TPM_ALG_ECDSA) out = { alg: 'ecdsa', hashAlg, r: r.tpm2b(), s: r.tpm2b() }
  else if (alg === TPM_ALG_RSASSA) out = { alg: 'rsassa', hashAlg, sig: r.tpm2b() }
  else throw unsupported('signature scheme', alg)
  r.end()
  return out
}
