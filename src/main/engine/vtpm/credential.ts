// TPM2_MakeCredential / TPM2_ActivateCredential (TPM 2.0 Part 1, 24 "Credential Protection") for an ECC P-256 EK,
// and the same outer wrap (symmetric key and HMAC key from a seed with KDFa, bound to an object Name) that the
// vTPM uses to protect sealed objects.
//   seed      = KDFe(sha256, Z = (d_e·Q_EK).x, "IDENTITY", Q_e.x, Q_EK.x, 256)        (ECDH secret sharing)
//   symKey    = KDFa(sha256, seed, "STORAGE", name, ∅, 128);  enc = AES-128-CFB(symKey, IV = 0, TPM2B(cred))
//   hmacKey   = KDFa(sha256, seed, "INTEGRITY", ∅, ∅, 256);   outer = HMAC(hmacKey, enc ‖ name)
//   TPM2B_ID_OBJECT = size ‖ TPM2B_DIGEST(outer) ‖ enc;  TPM2B_ENCRYPTED_SECRET = size ‖ TPMS_ECC_POINT(Q_e)
import { createCipheriv, createDecipheriv, createECDH } from 'node:crypto'
import { EngineError } from '../errors'
import { hmac, kdfa, kdfe } from './kdf'
import { ByteReader, ByteWriter, bytesEqual, concatBytes } from './marshal'
import { p256PrivateFromBytes } from './p256'

const EMPTY = new Uint8Array(0)

function aesCfb(key: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const iv = new Uint8Array(16)
  const c = decrypt ? createDecipheriv('aes-128-cfb', key, iv) : createCipheriv('aes-128-cfb', key, iv)
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]))
}

/** Outer wrap: returns TPM2B_DIGEST(integrity) ‖ AES-CFB(TPM2B(secret)) (without the outer size). */
export function wrapForName(seed: Uint8Array, name: Uint8Array, secret: Uint8Array): Uint8Array {
  const symKey = kdfa('sha256', seed, 'STORAGE', name, EMPTY, 128)
  const enc = aesCfb(symKey, new ByteWriter().tpm2b(secret).finish(), false)
  const hmacKey = kdfa('sha256', seed, 'INTEGRITY', EMPTY, EMPTY, 256)
  return new ByteWriter().tpm2b(hmac('sha256', hmacKey, enc, name)).bytes(enc).finish()
}

/** Reverses wrapForName; VTPM_INTEGRITY_FAIL if the wrap was made with another seed or for another Name. */
export function unwrapForName(seed: Uint8Array, name: Uint8Array, wrapped: Uint8Array): Uint8Array {
  const r = new ByteReader(wrapped, 'wrapped object')
  const integrity = r.tpm2b()
  const enc = r.bytes(r.remaining)
  const hmacKey = kdfa('sha256', seed, 'INTEGRITY', EMPTY, EMPTY, 256)
  if (!bytesEqual(integrity, hmac('sha256', hmacKey, enc, name)))
    throw new EngineError('VTPM_INTEGRITY_FAIL', 'integrity check failed: wrong TPM or wrong object name')
  const symKey = kdfa('sha256', seed, 'STORAGE', name, EMPTY, 128)
  const inner = new ByteReader(aesCfb(symKey, enc, true), 'TPM2B_DIGEST')
  const secret = inner.tpm2b()
  inner.end()
  return secret
}

function point(x: Uint8Array, y: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([4]), x, y)
}

export interface CredentialBlob {
  /** TPM2B_ID_OBJECT */
  credentialBlob: Uint8Array
  /** TPM2B_ENCRYPTED_SECRET holding the ephemeral TPMS_ECC_POINT */
  secret: Uint8Array
}

/** What a verifier (or a CA) does: encrypt `credential` (≤ 32 bytes) to the EK so that only the TPM holding the
 * key named `objectName` can recover it. `ephemeral` is 32 bytes of fresh randomness from the caller. */
export function makeCredential(
  ek: { x: Uint8Array; y: Uint8Array },
  objectName: Uint8Array,
  credential: Uint8Array,
  ephemeral: Uint8Array
): CredentialBlob {
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(p256PrivateFromBytes(ephemeral))
  const pub = new Uint8Array(ecdh.getPublicKey())
  const ex = pub.subarray(1, 33)
  const ey = pub.subarray(33, 65)
  const z = new Uint8Array(ecdh.computeSecret(point(ek.x, ek.y)))
  const seed = kdfe('sha256', z, 'IDENTITY', ex, ek.x, 256)
  return {
    credentialBlob: new ByteWriter().tpm2b(wrapForName(seed, objectName, credential)).finish(),
    secret: new ByteWriter().tpm2b(new ByteWriter().tpm2b(ex).tpm2b(ey).finish()).finish()
  }
}

/** The TPM side: recover the credential with the EK private key and the Name of the object it must belong to. */
export function activateCredential(
  ekPrivate: Uint8Array,
  ekX: Uint8Array,
  objectName: Uint8Array,
  blob: CredentialBlob
): Uint8Array {
  const sr = new ByteReader(blob.secret, 'TPM2B_ENCRYPTED_SECRET')
  const pr = new ByteReader(sr.tpm2b(), 'TPMS_ECC_POINT')
  sr.end()
  const ex = pr.tpm2b()
  const ey = pr.tpm2b()
  pr.end()
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(ekPrivate)
  let z: Uint8Array
  try {
    z = new Uint8Array(ecdh.computeSecret(point(ex, ey)))
  } catch {
    throw new EngineError('VTPM_ECC_POINT', 'the credential secret is not a point on P-256')
  }
  const seed = kdfe('sha256', z, 'IDENTITY', ex, ekX, 256)
  const br = new ByteReader(blob.credentialBlob, 'TPM2B_ID_OBJECT')
  const wrapped = br.tpm2b()
  br.end()
  return unwrapForName(seed, objectName, wrapped)
}
