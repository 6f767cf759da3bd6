// The per-installation "manufacturer" CA and the EK certificates it issues (X.509 v3, ECDSA P-256 / SHA-256).
// The CA key comes from an installation seed the service persists, and signatures use deterministic ECDSA, so a
// given seed always yields the same CA certificate and the same EK certificates.
import { createPublicKey, type KeyObject } from 'node:crypto'
import { bitString, bool, explicit, integer, octetString, oid, seq, set, smallInt, time, utf8 } from './der'
import { hash, kdfa } from './kdf'
import { p256PrivateFromBytes, p256PublicFromPrivate, p256Sign } from './p256'

const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2'
const OID_CN = '2.5.4.3'
const OID_O = '2.5.4.10'
const OID_SKI = '2.5.29.14'
const OID_KEY_USAGE = '2.5.29.15'
const OID_BASIC_CONSTRAINTS = '2.5.29.19'
const OID_AKI = '2.5.29.35'
/** TCG EK certificate profile: tcg-kp-EKCertificate extended key usage. */
const OID_EXT_KEY_USAGE = '2.5.29.37'
const OID_TCG_KP_EK_CERTIFICATE = '2.23.133.8.1'

const NOT_BEFORE = '20250101000000'
const NOT_AFTER = '99991231235959' // RFC 5280 4.1.2.5: no well-defined expiration

function name(org: string, cn: string): Uint8Array {
  return seq(set(seq(oid(OID_O), utf8(org))), set(seq(oid(OID_CN), utf8(cn))))
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value))
}

/** keyUsage BIT STRING from bit numbers (0 = digitalSignature ... 5 = keyCertSign, 6 = cRLSign). */
function keyUsage(bits: number[]): Uint8Array {
  let v = 0
  for (const b of bits) v |= 0x80 >> b
  const unused = Math.min(...bits.map((b) => 7 - b))
  return Uint8Array.from([0x03, 0x02, unused, v])
}

function spkiDer(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }))
}

function keyId(spki: KeyObject): Uint8Array {
  return hash('sha1', spkiDer(spki)).subarray(0, 20)
}

function ecdsaSigDer(r: Uint8Array, s: Uint8Array): Uint8Array {
  return seq(integer(r), integer(s))
}

export class ManufacturerCa {
  readonly certificate: Uint8Array
  readonly publicKey: KeyObject
  private readonly priv: Uint8Array

  /** The CA of one installation, derived from its seed (≥ 32 bytes, kept by the service). */
  constructor(installationSeed: Uint8Array, readonly organization = 'VMM Workbench vTPM Manufacturer') {
    this.priv = p256PrivateFromBytes(kdfa('sha256', installationSeed, 'MANUFACTURER CA', new Uint8Array(0), new Uint8Array(0), 256))
    const pub = p256PublicFromPrivate(this.priv)
    this.publicKey = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: Buffer.from(pub.x).toString('base64url'), y: Buffer.from(pub.y).toString('base64url') },
      format: 'jwk'
    })
    const ski = keyId(this.publicKey)
    this.certificate = this.sign(
      smallInt(1),
      name(organization, 'Root CA'),
      this.publicKey,
      [
        extension(OID_BASIC_CONSTRAINTS, true, seq(bool(true))),
        extension(OID_KEY_USAGE, true, keyUsage([5, 6])),
        extension(OID_SKI, false, octetString(ski))
      ]
    )
  }

  /** Issues the certificate for an endorsement key (subject: the vTPM's id; TCG EK EKU). */
  issueEkCertificate(ekPublic: KeyObject, serial: Uint8Array, tpmId: string): Uint8Array {
    const s = Uint8Array.from(serial.subarray(0, 16))
    s[0] &= 0x7f // positive, ≤ 20 octets (RFC 5280)
    return this.sign(integer(s), name(this.organization, `vTPM EK ${tpmId}`), ekPublic, [
      extension(OID_BASIC_CONSTRAINTS, true, seq()),
      extension(OID_KEY_USAGE, true, keyUsage([4])), // keyAgreement: an ECC EK decrypts by ECDH
      extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_TCG_KP_EK_CERTIFICATE))),
      extension(OID_AKI, false, seq(tlvImplicit0(keyId(this.publicKey))))
    ])
  }

  private sign(serial: Uint8Array, subject: Uint8Array, key: KeyObject, extensions: Uint8Array[]): Uint8Array {
    const algId = seq(oid(OID_ECDSA_SHA256))
    const tbs = seq(
      explicit(0, smallInt(2)),
      serial,
      algId,
      name(this.organization, 'Root CA'),
      seq(time(NOT_BEFORE), time(NOT_AFTER)),
      subject,
      spkiDer(key),
      explicit(3, seq(...extensions))
    )
    const { r, s } = p256Sign(this.priv, hash('sha256', tbs))
    return seq(tbs, algId, bitString(ecdsaSigDer(r, s)))
  }
}

/** keyIdentifier [0] IMPLICIT OCTET STRING inside AuthorityKeyIdentifier. */
function tlvImplicit0(b: Uint8Array): Uint8Array {
  return Uint8Array.from([0x80, b.length, ...b])
}
