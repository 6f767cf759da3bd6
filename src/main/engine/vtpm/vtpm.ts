// The vTPM: a TPM 2.0 subset for one VM. All keys and "random" values derive from the VM's 32-byte TPM seed (as a
// real TPM derives primary keys from its hierarchy seeds), so the TPM is stable across restarts, snapshots and
// migration, and serialize() → deserialize() gives a TPM that produces byte-identical quotes.
//   EK: ECC P-256 with the TCG default EK template, certificate from the installation's manufacturer CA.
//   AK: ECC P-256/ECDSA-SHA256 (default) or RSA-2048/RSASSA-SHA256, child of the EK (tpm2_createak's template).
import { createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto'
import {
  EK_ATTRIBUTES,
  EK_AUTH_POLICY,
  HASH_SIZE,
  BANKS,
  PCR_COUNT,
  type HashName,
  TPM_ALG_SHA256,
  TPM_CC_POLICY_PCR,
  TPM_ECC_NIST_P256,
  TPM_GENERATED_VALUE,
  TPM_RH_ENDORSEMENT,
  TPM_ST_ATTEST_QUOTE,
  TPMA_ADMIN_WITH_POLICY,
  TPMA_FIXED_PARENT,
  TPMA_FIXED_TPM,
  TPM_ALG_KEYEDHASH,
  VTPM_FIRMWARE_VERSION
} from './constants'
import { activateCredential, type CredentialBlob, unwrapForName, wrapForName } from './credential'
import { EngineError } from '../errors'
import { hash, HmacDrbg, kdfa } from './kdf'
import { ByteReader, ByteWriter, bytesEqual, toHex } from './marshal'
import { p256PrivateFromBytes, p256PublicFromPrivate, p256Sign } from './p256'
import { PcrBanks } from './pcr'
import { generateRsaJwk } from './rsa-keygen'
import {
  akTemplate,
  handleBytes,
  marshalAttest,
  marshalPublic2b,
  marshalSignature,
  objectName,
  parsePublic2b,
  type PcrSelection,
  publicKeyObject,
  qualifiedName,
  readPcrSelections,
  type TpmtPublic,
  writePcrSelections
} from './structures'
import type { ManufacturerCa } from './x509'

export type AkKind = 'ecc' | 'rsa'

export interface QuoteResult {
  /** TPMS_ATTEST as signed (quote.msg). */
  attest: Uint8Array
  /** TPMT_SIGNATURE (quote.sig). */
  signature: Uint8Array
  /** The quoted PCR values in selection order (what quote.pcrs carries). */
  pcrValues: Uint8Array[]
  selection: PcrSelection[]
}

const STATE_MAGIC = 0x5654504d // "VTPM"
const STATE_VERSION = 1
const EMPTY = new Uint8Array(0)
/** MAX_SYM_DATA: the largest secret a sealed data object holds. */
export const MAX_SEALED_BYTES = 128

/** Memoized RSA keys by seed: generating one takes a few hundred milliseconds of BigInt arithmetic. */
const rsaKeyCache = new Map<string, KeyObject>()

export class VTpm {
  readonly pcrs = new PcrBanks()
  /** The firmware's TCG event log (the measured boot appends to it; cleared on reset). */
  eventLog: Uint8Array = EMPTY
  private clockMs = 0n
  private resetCount = 0
  private restartCount = 0
  /** Counts values drawn for seals (their seedValue), so each seal differs but the sequence is reproducible. */
  private drawCounter = 0
  private readonly ekPriv: Uint8Array
  private readonly ekPub: TpmtPublic
  private readonly eccAkPriv: Uint8Array
  private readonly eccAkPub: { x: Uint8Array; y: Uint8Array }

  private constructor(
    private readonly seed: Uint8Array,
    readonly id: string,
    private ekCert: Uint8Array
  ) {
    this.ekPriv = p256PrivateFromBytes(this.derive('EK', 256))
    const ek = p256PublicFromPrivate(this.ekPriv)
    this.ekPub = {
      type: 'ecc',
      nameAlg: TPM_ALG_SHA256,
      attributes: EK_ATTRIBUTES,
      authPolicy: EK_AUTH_POLICY,
      symmetric: 'aes128cfb',
      scheme: null,
      curve: TPM_ECC_NIST_P256,
      x: ek.x,
      y: ek.y
    }
    this.eccAkPriv = p256PrivateFromBytes(this.derive('AK ECC', 256))
    this.eccAkPub = p256PublicFromPrivate(this.eccAkPriv)
  }

  /** A new vTPM from a 32-byte seed; the manufacturer CA issues its EK certificate. */
  static create(seed: Uint8Array, ca: ManufacturerCa): VTpm {
    if (seed.length < 32) throw new EngineError('VTPM_BAD_SEED', 'the vTPM seed must have at least 32 bytes', { bytes: seed.length })
    const id = toHex(hash('sha256', seed, new TextEncoder().encode('VTPM ID')).subarray(0, 8))
    const tpm = new VTpm(seed.slice(), id, EMPTY)
    tpm.ekCert = ca.issueEkCertificate(publicKeyObject(tpm.ekPub), objectName(tpm.ekPub).subarray(2), id)
    return tpm
  }

  private derive(label: string, bits: number): Uint8Array {
    return kdfa('sha256', this.seed, label, EMPTY, EMPTY, bits)
  }

  // ------------------------------------------------------------------------------------------------ PCRs

  pcrExtend(pcr: number, digests: Record<HashName, Uint8Array>): void {
    this.pcrs.extend(pcr, digests)
  }

  pcrRead(bank: HashName, pcr: number): Uint8Array {
    return this.pcrs.read(bank, pcr)
  }

  /** Platform reset + TPM2_Startup(CLEAR): PCRs to zero, event log cleared, resetCount + 1. */
  reset(): void {
    this.pcrs.reset()
    this.eventLog = EMPTY
    this.resetCount++
    this.restartCount = 0
  }

  /** The TPM clock in milliseconds; the VMM sets it from virtual time (never wall clock). */
  setClock(ms: number | bigint): void {
    const v = BigInt(Math.floor(Number(ms)))
    if (v > this.clockMs) this.clockMs = v
  }

  get clock(): { clockMs: bigint; resetCount: number; restartCount: number } {
    return { clockMs: this.clockMs, resetCount: this.resetCount, restartCount: this.restartCount }
  }

  // ------------------------------------------------------------------------------------------------ keys

  get ekPublic(): TpmtPublic {
    return this.ekPub
  }

  /** DER X.509 certificate of the EK, issued by the manufacturer CA. */
  get ekCertificate(): Uint8Array {
    return this.ekCert.slice()
  }

  private rsaAkKey(): KeyObject {
    const cacheKey = toHex(this.seed)
    let key = rsaKeyCache.get(cacheKey)
    if (!key) {
      key = createPrivateKey({ key: generateRsaJwk(new HmacDrbg(this.derive('AK RSA', 256), 'AK RSA')), format: 'jwk' })
      rsaKeyCache.set(cacheKey, key)
    }
    return key
  }

  akPublic(kind: AkKind = 'ecc'): TpmtPublic {
    if (kind === 'ecc') return akTemplate({ kind: 'ecc', ...this.eccAkPub })
    const jwk = createPublicKey(this.rsaAkKey()).export({ format: 'jwk' })
    return akTemplate({ kind: 'rsa', n: new Uint8Array(Buffer.from(jwk.n ?? '', 'base64url')) })
  }

  /** TPM2B_PUBLIC of the AK (what tpm2_createak -u writes). */
  akPublic2b(kind: AkKind = 'ecc'): Uint8Array {
    return marshalPublic2b(this.akPublic(kind))
  }

  akName(kind: AkKind = 'ecc'): Uint8Array {
    return objectName(this.akPublic(kind))
  }

  /** The AK's qualified name: it is a child of the EK in the endorsement hierarchy. */
  akQualifiedName(kind: AkKind = 'ecc'): Uint8Array {
    const ekQn = qualifiedName(handleBytes(TPM_RH_ENDORSEMENT), objectName(this.ekPub))
    return qualifiedName(ekQn, this.akName(kind))
  }

  // ----------------------------------------------------------------------------------------------- quote

  /** TPM2_Quote with the AK over `selection` (default sha256:0,4,8), qualifyingData = nonce (≤ 64 bytes). */
  quote(kind: AkKind, nonce: Uint8Array, selection: PcrSelection[] = [{ hash: 'sha256', pcrs: [0, 4, 8] }]): QuoteResult {
    if (nonce.length > 64) throw new EngineError('VTPM_NONCE_TOO_LARGE', `nonce of ${nonce.length} bytes (at most 64)`, { bytes: nonce.length })
    const sel = selection.map((s) => ({ hash: s.hash, pcrs: [...new Set(s.pcrs)].sort((a, b) => a - b) }))
    for (const s of sel) for (const p of s.pcrs) if (p < 0 || p >= PCR_COUNT) throw new EngineError('VTPM_BAD_PCR', `PCR ${p} does not exist`, { pcr: p })
    const attest = marshalAttest({
      magic: TPM_GENERATED_VALUE,
      type: TPM_ST_ATTEST_QUOTE,
      qualifiedSigner: this.akQualifiedName(kind),
      extraData: nonce,
      clockInfo: { clock: this.clockMs, resetCount: this.resetCount, restartCount: this.restartCount, safe: true },
      firmwareVersion: VTPM_FIRMWARE_VERSION,
      pcrSelect: sel,
      pcrDigest: this.pcrs.selectionDigest(sel, 'sha256')
    })
    const digest = hash('sha256', attest)
    let signature: Uint8Array
    if (kind === 'ecc') {
      const { r, s } = p256Sign(this.eccAkPriv, digest)
      signature = marshalSignature({ alg: 'ecdsa', hashAlg: TPM_ALG_SHA256, r, s })
    } else {
      const sig = new Uint8Array(nodeSign('sha256', attest, this.rsaAkKey())) // PKCS#1 v1.5 is deterministic
      signature = marshalSignature({ alg: 'rsassa', hashAlg: TPM_ALG_SHA256, sig })
    }
    return { attest, signature, pcrValues: this.pcrs.values(sel), selection: sel }
  }

  // ----------------------------------------------------------------------------------- credential binding

  /** TPM2_ActivateCredential: recover a credential a verifier encrypted to our EK for the AK named in it.
   * Fails with VTPM_INTEGRITY_FAIL when the blob was made for another EK or another key name. */
  activateCredential(kind: AkKind, blob: CredentialBlob): Uint8Array {
    return activateCredential(this.ekPriv, this.ekPub.type === 'ecc' ? this.ekPub.x : EMPTY, this.akName(kind), blob)
  }

  // ---------------------------------------------------------------------------------------- seal / unseal

  /** The policy digest TPM2_PolicyPCR produces from a fresh trial session for `selection` with these PCR values
   * (default: the current ones): H(0…0 ‖ TPM_CC_PolicyPCR ‖ TPML_PCR_SELECTION ‖ H(values)). */
  policyPcrDigest(selection: PcrSelection[], values?: Uint8Array[]): Uint8Array {
    const w = new ByteWriter().bytes(new Uint8Array(32)).u32(TPM_CC_POLICY_PCR)
    writePcrSelections(w, selection)
    w.bytes(hash('sha256', ...(values ?? this.pcrs.values(selection))))
    return hash('sha256', w.finish())
  }

  private storageSeed(): Uint8Array {
    return this.derive('STORAGE ROOT', 256)
  }

  /** Seal `secret` (≤ 128 bytes) to the current values of the selected PCRs. Returns a blob:
   * TPM2B_PUBLIC (KEYEDHASH, authPolicy = PolicyPCR digest) ‖ TPM2B_PRIVATE ‖ TPML_PCR_SELECTION. */
  seal(secret: Uint8Array, selection: PcrSelection[] = [{ hash: 'sha256', pcrs: [0, 4, 8] }]): Uint8Array {
    if (secret.length > MAX_SEALED_BYTES)
      throw new EngineError('VTPM_SEAL_TOO_LARGE', `a sealed secret holds at most ${MAX_SEALED_BYTES} bytes`, { bytes: secret.length })
    const seedValue = kdfa('sha256', this.seed, 'SEAL', new ByteWriter().u32(this.drawCounter++).finish(), EMPTY, 256)
    const pub: TpmtPublic = {
      type: 'keyedhash',
      nameAlg: TPM_ALG_SHA256,
      attributes: TPMA_FIXED_TPM | TPMA_FIXED_PARENT | TPMA_ADMIN_WITH_POLICY,
      authPolicy: this.policyPcrDigest(selection),
      unique: hash('sha256', seedValue, secret)
    }
    const sensitive = new ByteWriter().u16(TPM_ALG_KEYEDHASH).tpm2b(EMPTY).tpm2b(seedValue).tpm2b(secret).finish()
    const w = new ByteWriter().bytes(marshalPublic2b(pub)).tpm2b(wrapForName(this.storageSeed(), objectName(pub), sensitive))
    writePcrSelections(w, selection)
    return w.finish()
  }

  /** Unseal: VTPM_INTEGRITY_FAIL if the blob is not ours or was altered, VTPM_POLICY_FAIL if the PCRs differ
   * from the values the secret was sealed to. */
  unseal(blob: Uint8Array): Uint8Array {
    const r = new ByteReader(blob, 'sealed blob')
    const pubBytes = r.tpm2b()
    const priv = r.tpm2b()
    const selection = readPcrSelections(r)
    r.end()
    const pub = parsePublic2b(new ByteWriter().tpm2b(pubBytes).finish())
    const sensitive = new ByteReader(unwrapForName(this.storageSeed(), objectName(pub), priv), 'TPMT_SENSITIVE')
    if (!bytesEqual(pub.authPolicy, this.policyPcrDigest(selection)))
      throw new EngineError('VTPM_POLICY_FAIL', 'PCR values differ from the ones the secret was sealed to', {
        pcrs: selection.map((s) => `${s.hash}:${s.pcrs.join(',')}`).join('+')
      })
    sensitive.u16()
    sensitive.tpm2b() // authValue
    sensitive.tpm2b() // seedValue
    return sensitive.tpm2b()
  }

  // ------------------------------------------------------------------------------------------- state

  /** The whole TPM state (seed, EK certificate, PCRs, clock, counters, event log) as bytes. */
  serialize(): Uint8Array {
    const w = new ByteWriter().u32(STATE_MAGIC).u16(STATE_VERSION)
    w.tpm2b(this.seed).tpm2b(new TextEncoder().encode(this.id))
    w.u32(this.ekCert.length).bytes(this.ekCert)
    for (const v of this.pcrs.dump()) w.bytes(v)
    w.u64(this.clockMs).u32(this.resetCount).u32(this.restartCount).u32(this.drawCounter)
    w.u32(this.eventLog.length).bytes(this.eventLog)
    return w.finish()
  }

  static deserialize(bytes: Uint8Array): VTpm {
    const r = new ByteReader(bytes, 'vTPM state')
    const magic = r.u32()
    const version = r.u16()
    if (magic !== STATE_MAGIC || version !== STATE_VERSION)
      throw new EngineError('VTPM_STATE_BAD_FORMAT', 'not a vTPM state of a known version', { version })
    const seed = r.tpm2b()
    const id = new TextDecoder().decode(r.tpm2b())
    const cert = r.bytes(r.u32())
    const tpm = new VTpm(seed, id, cert)
    const values: Uint8Array[] = []
    for (const b of BANKS) for (let p = 0; p < PCR_COUNT; p++) values.push(r.bytes(HASH_SIZE[b]))
    tpm.pcrs.load(values)
    tpm.clockMs = r.u64()
    tpm.resetCount = r.u32()
    tpm.restartCount = r.u32()
    tpm.drawCounter = r.u32()
    tpm.eventLog = r.bytes(r.u32())
    r.end()
    return tpm
  }
}
