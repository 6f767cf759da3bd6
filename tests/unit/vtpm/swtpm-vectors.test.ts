// Our marshalling, PCR arithmetic and signature checks against quotes from a real software TPM (swtpm 0.7.1 +
// tpm2-tools 5.4, see tests/fixtures/vtpm/SWTPM-README.md).
import { createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkQuoteFiles } from '../../../src/main/engine/attest/verifier'
import { PcrBanks } from '../../../src/main/engine/vtpm/pcr'
import { hash } from '../../../src/main/engine/vtpm/kdf'
import { fromHex, toHex } from '../../../src/main/engine/vtpm/marshal'
import { encodePcrsFile, parsePcrsFile } from '../../../src/main/engine/vtpm/pcrs-file'
import {
  akTemplate,
  handleBytes,
  marshalAttest,
  marshalSignature,
  objectName,
  parseAttest,
  parsePublic2b,
  parseSignature,
  marshalPublic2b,
  qualifiedName
} from '../../../src/main/engine/vtpm/structures'
import { TPM_RH_ENDORSEMENT } from '../../../src/main/engine/vtpm/constants'
import { fixture } from '../attest/helpers'

const nonce = fromHex(new TextDecoder().decode(fixture('nonce.hex')))
const kinds = ['ecc', 'rsa'] as const

function akFromPem(kind: 'ecc' | 'rsa') {
  const jwk = createPublicKey(Buffer.from(fixture(`ak_${kind}.pem`))).export({ format: 'jwk' })
  const b = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'))
  return kind === 'ecc' ? akTemplate({ kind: 'ecc', x: b(jwk.x), y: b(jwk.y) }) : akTemplate({ kind: 'rsa', n: b(jwk.n) })
}

describe('swtpm vectors', () => {
  it.each(kinds)('rebuilds the %s AK public area: Name = nameAlg ‖ H(TPMT_PUBLIC) equals swtpm’s', (kind) => {
    expect(toHex(objectName(akFromPem(kind)))).toBe(toHex(fixture(`ak_${kind}.name`)))
  })

  it('parses the EK TPM2B_PUBLIC and re-marshals it byte for byte', () => {
    const ek = parsePublic2b(fixture('ek.pub'))
    expect(ek.type).toBe('rsa')
    expect(toHex(marshalPublic2b(ek))).toBe(toHex(fixture('ek.pub')))
  })

  it.each(kinds)('parses %s quote.msg, re-marshals it, and its qualifiedSigner is the AK under the EK', (kind) => {
    const msg = fixture(`${kind}.quote.msg`)
    const a = parseAttest(msg)
    expect(toHex(marshalAttest(a))).toBe(toHex(msg))
    expect(toHex(a.extraData)).toBe('5c1f0e2a9b7d4c3e')
    expect(a.pcrSelect).toEqual([{ hash: 'sha256', pcrs: [0, 4, 8] }])
    const ekQn = qualifiedName(handleBytes(TPM_RH_ENDORSEMENT), objectName(parsePublic2b(fixture('ek.pub'))))
    expect(toHex(qualifiedName(ekQn, objectName(akFromPem(kind))))).toBe(toHex(a.qualifiedSigner))
  })

  it('pcrDigest = H(PCR 0 ‖ 4 ‖ 8) from pcrs.values.bin', () => {
    const a = parseAttest(fixture('ecc.quote.msg'))
    expect(toHex(hash('sha256', fixture('pcrs.values.bin')))).toBe(toHex(a.pcrDigest))
  })

  it('our PCR_Extend gives swtpm’s PCR values for the same extends', () => {
    const banks = new PcrBanks()
    const files = [['fw.txt', 0], ['kernel.bin', 4], ['cmdline.txt', 8]] as const
    for (const [f, pcr] of files) banks.extend(pcr, { sha1: hash('sha1', fixture(f)), sha256: hash('sha256', fixture(f)) })
    const ours = banks.values([{ hash: 'sha256', pcrs: [0, 4, 8] }])
    expect(toHex(Buffer.concat(ours))).toBe(toHex(fixture('pcrs.values.bin')))
  })

  it.each(kinds)('%s quote.pcrs parses to the quoted values and re-encodes to the same 668 bytes', (kind) => {
    const file = fixture(`${kind}.quote.pcrs`)
    const p = parsePcrsFile(file)
    expect(p.selection).toEqual([{ hash: 'sha256', pcrs: [0, 4, 8] }])
    expect(toHex(Buffer.concat(p.values))).toBe(toHex(fixture('pcrs.values.bin')))
    expect(file.length).toBe(668)
    expect(toHex(encodePcrsFile(p.selection, p.values))).toBe(toHex(file))
  })

  it.each(kinds)('%s TPMT_SIGNATURE re-marshals identically', (kind) => {
    const sig = fixture(`${kind}.quote.sig`)
    expect(toHex(marshalSignature(parseSignature(sig)))).toBe(toHex(sig))
  })

  it.each(kinds)('accepts the %s quote and rejects any changed byte of message, signature, PCR file or nonce', (kind) => {
    const ak = createPublicKey(Buffer.from(fixture(`ak_${kind}.pem`)))
    const files = { msg: fixture(`${kind}.quote.msg`), sig: fixture(`${kind}.quote.sig`), pcrs: fixture(`${kind}.quote.pcrs`), nonce }
    expect(checkQuoteFiles(ak, files)).toEqual({ signature: true, nonce: true, pcrDigest: true })
    const flip = (b: Uint8Array, i: number) => {
      const c = b.slice()
      c[i] ^= 0x01
      return c
    }
    // every byte of the message and signature, and every PCR value byte of the PCR file (the rest is padding)
    for (let i = 0; i < files.msg.length; i++) expect(isAccepted(checkQuoteFiles(ak, { ...files, msg: flip(files.msg, i) }))).toBe(false)
    for (let i = 0; i < files.sig.length; i++) expect(isAccepted(checkQuoteFiles(ak, { ...files, sig: flip(files.sig, i) }))).toBe(false)
    const valueOffsets = [0x8e, 0xd0, 0x112].flatMap((o) => Array.from({ length: 32 }, (_, k) => o + k))
    for (const i of valueOffsets) expect(isAccepted(checkQuoteFiles(ak, { ...files, pcrs: flip(files.pcrs, i) }))).toBe(false)
    for (let i = 0; i < nonce.length; i++) expect(isAccepted(checkQuoteFiles(ak, { ...files, nonce: flip(nonce, i) }))).toBe(false)
  })
})

function isAccepted(r: { signature: boolean; nonce: boolean; pcrDigest: boolean }): boolean {
  return r.signature && r.nonce && r.pcrDigest
}
