import { describe, expect, it } from 'vitest'
import { decodeChallenge, decodeEvidence, decodeIdentity, encodeChallenge, encodeEvidence, encodeIdentity } from '../../../src/main/engine/attest/wire'
import { EngineError } from '../../../src/main/engine/errors'
import { EV_IPL, EV_SEPARATOR } from '../../../src/main/engine/vtpm/constants'
import { digestMatchesData, parseEventLog, replayEventLog } from '../../../src/main/engine/vtpm/eventlog'
import { ByteReader, ByteWriter, toHex } from '../../../src/main/engine/vtpm/marshal'
import { measureBoot } from '../../../src/main/engine/vtpm/measured-boot'
import { encodePcrsFile, parsePcrsFile } from '../../../src/main/engine/vtpm/pcrs-file'
import {
  marshalAttest,
  marshalPublic2b,
  marshalSignature,
  parseAttest,
  parsePublic2b,
  parseSignature,
  type QuoteAttest
} from '../../../src/main/engine/vtpm/structures'
import { VTpm } from '../../../src/main/engine/vtpm/vtpm'
import { ManufacturerCa } from '../../../src/main/engine/vtpm/x509'
import { INSTALL_SEED, SEED_A, seededRandom } from '../attest/helpers'

const rnd = seededRandom('marshal')
const ca = new ManufacturerCa(INSTALL_SEED)

describe('TPM marshalling', () => {
  it('writes big-endian TPM integers and little-endian log integers', () => {
    const b = new ByteWriter().u16(0x0102).u32(0x03040506).u64(0x0708090a0b0c0d0en).u16le(0x0102).u32le(0x03040506).finish()
    expect(toHex(b)).toBe('0102' + '03040506' + '0708090a0b0c0d0e' + '0201' + '06050403')
    const r = new ByteReader(b)
    expect([r.u16(), r.u32(), r.u64(), r.u16le(), r.u32le()]).toEqual([0x0102, 0x03040506, 0x0708090a0b0c0d0en, 0x0102, 0x03040506])
    r.end()
  })

  it('round-trips TPMT_PUBLIC for the EK, both AKs, and a sealed object', () => {
    const tpm = VTpm.create(SEED_A, ca)
    const pubs = [tpm.ekPublic, tpm.akPublic('ecc'), tpm.akPublic('rsa')]
    for (const p of pubs) {
      const bytes = marshalPublic2b(p)
      expect(toHex(marshalPublic2b(parsePublic2b(bytes)))).toBe(toHex(bytes))
    }
    const blob = tpm.seal(Uint8Array.of(1))
    const sealedPub = parsePublic2b(blob.subarray(0, 2 + ((blob[0] << 8) | blob[1])))
    expect(sealedPub.type).toBe('keyedhash')
    expect(toHex(sealedPub.authPolicy)).toBe(toHex(tpm.policyPcrDigest([{ hash: 'sha256', pcrs: [0, 4, 8] }])))
  })

  it('round-trips TPMS_ATTEST with two banks and sparse PCRs, and TPMT_SIGNATURE', () => {
    const a: QuoteAttest = {
      magic: 0xff544347,
      type: 0x8018,
      qualifiedSigner: rnd(34),
      extraData: rnd(20),
      clockInfo: { clock: 0x123456789an, resetCount: 7, restartCount: 2, safe: false },
      firmwareVersion: 0x0102030405060708n,
      pcrSelect: [
        { hash: 'sha1', pcrs: [1, 23] },
        { hash: 'sha256', pcrs: [0, 7, 8, 16] }
      ],
      pcrDigest: rnd(32)
    }
    const bytes = marshalAttest(a)
    expect(parseAttest(bytes)).toEqual(a)
    const ecdsa = marshalSignature({ alg: 'ecdsa', hashAlg: 0x000b, r: rnd(32), s: rnd(32) })
    expect(ecdsa.length).toBe(72)
    expect(toHex(marshalSignature(parseSignature(ecdsa)))).toBe(toHex(ecdsa))
    const bad = bytes.slice()
    bad[0] = 0
    expect(() => parseAttest(bad)).toThrow(EngineError)
    expect(() => parseAttest(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/)
  })

  it('the PCR file splits more than 8 values into several TPML_DIGEST, as tpm2_quote -o does', () => {
    const values = Array.from({ length: 10 }, () => rnd(32))
    const sel = [{ hash: 'sha256' as const, pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }]
    const file = encodePcrsFile(sel, values)
    expect(file.length).toBe(132 + 4 + 2 * 532)
    const back = parsePcrsFile(file)
    expect(back.selection).toEqual(sel)
    expect(back.values.map(toHex)).toEqual(values.map(toHex))
  })

  it('round-trips the attestation wire messages', () => {
    const id = { ekCertificate: rnd(300), akPublic: rnd(90) }
    expect(decodeIdentity(encodeIdentity(id))).toEqual(id)
    const ch = { nonce: rnd(20), selection: [{ hash: 'sha256' as const, pcrs: [0, 8] }], credentialBlob: rnd(54), secret: rnd(70) }
    expect(decodeChallenge(encodeChallenge(ch))).toEqual(ch)
    const ev = { activatedCredential: rnd(32), quoteMsg: rnd(120), quoteSig: rnd(72), quotePcrs: rnd(668), eventLog: rnd(500) }
    expect(decodeEvidence(encodeEvidence(ev))).toEqual(ev)
    expect(() => decodeEvidence(encodeIdentity(id))).toThrow(/evidence/)
  })
})

describe('event log', () => {
  const images = { firmwareVersion: 'fw 1', kernel: rnd(5000), cmdline: 'console=ttyS0' }

  it('parses what measured boot wrote and replays to the vTPM’s PCRs in both banks', () => {
    const tpm = VTpm.create(SEED_A, ca)
    const planned = measureBoot(tpm, images)
    const events = parseEventLog(tpm.eventLog)
    expect(events.length).toBe(planned.length)
    expect(events.length).toBe(11) // CRTM version, 8 separators, kernel, command line
    expect(events.filter((e) => e.type === EV_SEPARATOR).map((e) => e.pcr)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(events.every(digestMatchesData)).toBe(true)
    const replayed = replayEventLog(events)
    for (const bank of ['sha1', 'sha256'] as const)
      for (let pcr = 0; pcr < 24; pcr++) expect(toHex(replayed[bank][pcr])).toBe(toHex(tpm.pcrRead(bank, pcr)))
  })

  it('detects an EV_IPL whose text no longer matches its digest, and a truncated log', () => {
    const tpm = VTpm.create(SEED_A, ca)
    measureBoot(tpm, images)
    const events = parseEventLog(tpm.eventLog)
    const ipl = events.find((e) => e.type === EV_IPL)
    if (!ipl) throw new Error('no EV_IPL')
    expect(new TextDecoder().decode(ipl.data)).toBe('kernel_cmdline: console=ttyS0\0')
    ipl.data[ipl.data.length - 2] ^= 1
    expect(digestMatchesData(ipl)).toBe(false)
    try {
      parseEventLog(tpm.eventLog.subarray(0, tpm.eventLog.length - 3))
      expect.unreachable()
    } catch (e) {
      expect(e instanceof EngineError && e.code).toBe('EVENTLOG_MALFORMED')
    }
  })
})
