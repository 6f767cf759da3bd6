import { X509Certificate, createPublicKey, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/main/engine/errors'
import { makeCredential } from '../../../src/main/engine/vtpm/credential'
import { hash } from '../../../src/main/engine/vtpm/kdf'
import { bytesEqual, toHex } from '../../../src/main/engine/vtpm/marshal'
import { measureBoot } from '../../../src/main/engine/vtpm/measured-boot'
import { parseAttest, parseSignature, publicKeyObject } from '../../../src/main/engine/vtpm/structures'
import { VTpm } from '../../../src/main/engine/vtpm/vtpm'
import { ManufacturerCa } from '../../../src/main/engine/vtpm/x509'
import { INSTALL_SEED, SEED_A, SEED_B, fixture, seededRandom } from '../attest/helpers'

const ca = new ManufacturerCa(INSTALL_SEED)
const images = { firmwareVersion: 'VMM Workbench firmware 1.0', kernel: fixture('kernel.bin'), cmdline: 'console=ttyS0 quiet' }
const nonce = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return e instanceof EngineError ? e.code : `not an EngineError: ${String(e)}`
  }
  return 'no error'
}

describe('vTPM', () => {
  it('PCR_Extend: new = H(old ‖ digest) in both banks, reset zeroes them', () => {
    const tpm = VTpm.create(SEED_A, ca)
    const d = { sha1: hash('sha1', Uint8Array.of(1)), sha256: hash('sha256', Uint8Array.of(1)) }
    tpm.pcrExtend(3, d)
    expect(toHex(tpm.pcrRead('sha256', 3))).toBe(toHex(hash('sha256', new Uint8Array(32), d.sha256)))
    expect(toHex(tpm.pcrRead('sha1', 3))).toBe(toHex(hash('sha1', new Uint8Array(20), d.sha1)))
    tpm.reset()
    expect(toHex(tpm.pcrRead('sha256', 3))).toBe('00'.repeat(32))
    expect(codeOf(() => tpm.pcrRead('sha256', 24))).toBe('VTPM_BAD_PCR')
  })

  it('measured boot of the swtpm vector files gives swtpm’s PCR 8 (same command line, EV_IPL digest = H(line))', () => {
    const tpm = VTpm.create(SEED_A, ca)
    measureBoot(tpm, images)
    expect(toHex(tpm.pcrRead('sha256', 8))).toBe(toHex(fixture('pcrs.values.bin').subarray(64, 96)))
  })

  it('the EK certificate chains to the manufacturer CA and carries the EK public key', () => {
    const tpm = VTpm.create(SEED_A, ca)
    const cert = new X509Certificate(Buffer.from(tpm.ekCertificate))
    const root = new X509Certificate(Buffer.from(ca.certificate))
    expect(root.ca).toBe(true)
    expect(cert.checkIssued(root)).toBe(true)
    expect(cert.verify(root.publicKey)).toBe(true)
    expect(cert.verify(new ManufacturerCa(SEED_B).publicKey)).toBe(false)
    const certKey = cert.publicKey.export({ format: 'jwk' })
    const ek = tpm.ekPublic
    expect(ek.type === 'ecc' && Buffer.from(ek.x).toString('base64url')).toBe(certKey.x)
  })

  it.each(['ecc', 'rsa'] as const)('%s quotes verify with Node crypto; same seed → same quote; other seed → other key', (kind) => {
    const a = VTpm.create(SEED_A, ca)
    const b = VTpm.create(SEED_A, ca)
    const q1 = a.quote(kind, nonce)
    expect(toHex(b.quote(kind, nonce).signature)).toBe(toHex(q1.signature))
    const sig = parseSignature(q1.signature)
    const key = publicKeyObject(a.akPublic(kind))
    const raw = sig.alg === 'ecdsa' ? Buffer.concat([sig.r, sig.s]) : Buffer.from(sig.sig)
    expect(verify('sha256', q1.attest, { key, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true)
    expect(verify('sha256', q1.attest, { key: publicKeyObject(VTpm.create(SEED_B, ca).akPublic(kind)), dsaEncoding: 'ieee-p1363' }, raw)).toBe(false)
    const attest = parseAttest(q1.attest)
    expect(toHex(attest.extraData)).toBe(toHex(nonce))
    expect(toHex(attest.pcrDigest)).toBe(toHex(hash('sha256', ...q1.pcrValues)))
  })

  it('serialize → deserialize keeps PCRs, clock, event log and gives byte-identical ECC and RSA quotes', () => {
    const tpm = VTpm.create(SEED_A, ca)
    measureBoot(tpm, images)
    tpm.setClock(123456)
    const sealed = tpm.seal(Uint8Array.of(9, 9, 9))
    const copy = VTpm.deserialize(tpm.serialize())
    expect(toHex(copy.serialize())).toBe(toHex(tpm.serialize()))
    expect(toHex(copy.eventLog)).toBe(toHex(tpm.eventLog))
    for (const kind of ['ecc', 'rsa'] as const) {
      const q1 = tpm.quote(kind, nonce)
      const q2 = copy.quote(kind, nonce)
      expect(toHex(q2.attest)).toBe(toHex(q1.attest))
      expect(toHex(q2.signature)).toBe(toHex(q1.signature))
    }
    expect(parseAttest(copy.quote('ecc', nonce).attest).clockInfo.clock).toBe(123456n)
    expect(Array.from(copy.unseal(sealed))).toEqual([9, 9, 9])
    expect(codeOf(() => VTpm.deserialize(tpm.serialize().subarray(0, 100)))).toBe('VTPM_MARSHAL_TRUNCATED')
  })

  it('a sealed secret unseals only with the PCR values it was sealed to, and only on its own TPM', () => {
    const tpm = VTpm.create(SEED_A, ca)
    measureBoot(tpm, images)
    const secret = new TextEncoder().encode('disk key 0123456789')
    const blob = tpm.seal(secret, [{ hash: 'sha256', pcrs: [0, 4, 8] }])
    expect(new TextDecoder().decode(tpm.unseal(blob))).toBe('disk key 0123456789')
    // reboot with a modified command line: PCR 8 differs
    tpm.reset()
    measureBoot(tpm, { ...images, cmdline: 'console=ttyS0 init=/bin/sh' })
    expect(codeOf(() => tpm.unseal(blob))).toBe('VTPM_POLICY_FAIL')
    // reboot correctly: unseals again
    tpm.reset()
    measureBoot(tpm, images)
    expect(new TextDecoder().decode(tpm.unseal(blob))).toBe('disk key 0123456789')
    // another TPM (other seed) with the same PCRs cannot open it
    const other = VTpm.create(SEED_B, ca)
    measureBoot(other, images)
    expect(codeOf(() => other.unseal(blob))).toBe('VTPM_INTEGRITY_FAIL')
    // a flipped byte in the private part is caught
    const bad = blob.slice()
    bad[blob.length - 20] ^= 1
    expect(codeOf(() => tpm.unseal(bad))).not.toBe('no error')
  })

  it('the policy digest follows TPM2_PolicyPCR: a different PCR value gives a different digest', () => {
    const tpm = VTpm.create(SEED_A, ca)
    const sel = [{ hash: 'sha256' as const, pcrs: [0] }]
    const d0 = tpm.policyPcrDigest(sel)
    tpm.pcrExtend(0, { sha1: new Uint8Array(20), sha256: new Uint8Array(32) })
    expect(bytesEqual(tpm.policyPcrDigest(sel), d0)).toBe(false)
    expect(d0.length).toBe(32)
  })

  it('ActivateCredential recovers a credential made for our EK and AK name, and nothing else', () => {
    const tpm = VTpm.create(SEED_A, ca)
    const ek = tpm.ekPublic
    if (ek.type !== 'ecc') throw new Error('ECC EK expected')
    const rnd = seededRandom('cred')
    const secret = rnd(32)
    const blob = makeCredential(ek, tpm.akName('ecc'), secret, rnd(32))
    expect(toHex(tpm.activateCredential('ecc', blob))).toBe(toHex(secret))
    // made for the RSA AK's name: the ECC AK cannot activate it
    expect(codeOf(() => tpm.activateCredential('ecc', makeCredential(ek, tpm.akName('rsa'), secret, rnd(32))))).toBe('VTPM_INTEGRITY_FAIL')
    // another TPM cannot activate it
    expect(codeOf(() => VTpm.create(SEED_B, ca).activateCredential('ecc', blob))).toBe('VTPM_INTEGRITY_FAIL')
  })

  it('the AK PEM export is the SPKI of the AK public area', () => {
    const tpm = VTpm.create(SEED_A, ca)
    const pem = publicKeyObject(tpm.akPublic('ecc')).export({ type: 'spki', format: 'pem' })
    const jwk = createPublicKey(pem).export({ format: 'jwk' })
    const ak = tpm.akPublic('ecc')
    expect(ak.type === 'ecc' && Buffer.from(ak.y).toString('base64url')).toBe(jwk.y)
  })

  it('rejects a nonce over 64 bytes and an oversized sealed secret', () => {
    const tpm = VTpm.create(SEED_A, ca)
    expect(codeOf(() => tpm.quote('ecc', new Uint8Array(65)))).toBe('VTPM_NONCE_TOO_LARGE')
    expect(codeOf(() => tpm.seal(new Uint8Array(129)))).toBe('VTPM_SEAL_TOO_LARGE')
  })
})
