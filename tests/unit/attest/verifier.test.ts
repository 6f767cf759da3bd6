// The whole protocol: agent (holding the VTpm) and remote verifier exchange bytes only.
import { describe, expect, it } from 'vitest'
import { agentIdentity, agentRespond } from '../../../src/main/engine/attest/agent'
import { computeReferenceValues, parseReferenceValues } from '../../../src/main/engine/attest/reference'
import { type AttestationReport, RemoteVerifier } from '../../../src/main/engine/attest/verifier'
import { decodeChallenge, decodeEvidence, encodeChallenge, encodeEvidence } from '../../../src/main/engine/attest/wire'
import { type BootImages, measureBoot, referenceEventLog } from '../../../src/main/engine/vtpm/measured-boot'
import { type AkKind, VTpm } from '../../../src/main/engine/vtpm/vtpm'
import { ManufacturerCa } from '../../../src/main/engine/vtpm/x509'
import { INSTALL_SEED, SEED_A, SEED_B, seededRandom } from './helpers'

const ca = new ManufacturerCa(INSTALL_SEED)
const kernel = seededRandom('kernel')(4096)
const images: BootImages = { firmwareVersion: 'VMM Workbench firmware 1.0', kernel, cmdline: 'console=ttyS0' }
const reference = computeReferenceValues(images)

function bootedTpm(seed: Uint8Array, img: BootImages = images): VTpm {
  const tpm = VTpm.create(seed, ca)
  measureBoot(tpm, img)
  return tpm
}

function attest(tpm: VTpm, kind: AkKind = 'ecc', opts: { tamperEvidence?: (e: Uint8Array) => Uint8Array; tamperChallenge?: (c: Uint8Array) => Uint8Array; caCert?: Uint8Array; identityFrom?: VTpm } = {}): AttestationReport {
  const v = new RemoteVerifier({ caCertificate: opts.caCert ?? ca.certificate, reference, random: seededRandom('verifier') })
  const challenge = v.challenge(agentIdentity(opts.identityFrom ?? tpm, kind))
  const evidence = agentRespond(tpm, opts.tamperChallenge ? opts.tamperChallenge(challenge) : challenge, kind)
  return v.verify(opts.tamperEvidence ? opts.tamperEvidence(evidence) : evidence)
}

function status(r: AttestationReport): Record<string, string> {
  return Object.fromEntries(r.checks.map((c) => [c.id, c.status === 'pass' ? 'pass' : `${c.status}:${c.code}`]))
}

const ALL_PASS = {
  'ek-certificate': 'pass',
  'ak-credential': 'pass',
  signature: 'pass',
  nonce: 'pass',
  'pcr-digest': 'pass',
  'event-log-replay': 'pass',
  'reference-values': 'pass'
}

describe('remote attestation', () => {
  it.each(['ecc', 'rsa'] as const)('a correct boot passes every check (%s AK)', (kind) => {
    const r = attest(bootedTpm(SEED_A), kind)
    expect(status(r)).toEqual(ALL_PASS)
    expect(r.ok).toBe(true)
    expect(r.nonce).toHaveLength(40)
    expect(r.quote?.pcrs.map((p) => p.pcr)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('a tampered kernel byte fails the reference check and names the kernel event', () => {
    const bad = kernel.slice()
    bad[100] ^= 0x40
    const r = attest(bootedTpm(SEED_A, { ...images, kernel: bad }))
    expect(status(r)).toEqual({ ...ALL_PASS, 'reference-values': 'fail:ATTEST_REFERENCE_MISMATCH' })
    const c = r.checks.find((x) => x.id === 'reference-values')
    expect(c?.params).toMatchObject({ index: 10, pcr: 4, eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION', expected: reference.events[9].sha256 })
    expect(c?.params.actual).not.toBe(c?.params.expected)
    expect(r.ok).toBe(false)
  })

  it('a changed command line fails the reference check at PCR 8 EV_IPL', () => {
    const r = attest(bootedTpm(SEED_A, { ...images, cmdline: 'console=ttyS0 init=/bin/sh' }))
    const c = r.checks.find((x) => x.id === 'reference-values')
    expect(c?.code).toBe('ATTEST_REFERENCE_MISMATCH')
    expect(c?.params).toMatchObject({ index: 11, pcr: 8, eventType: 'EV_IPL' })
  })

  it('a tampered boot that sends the golden event log fails the replay (the log does not match the quote)', () => {
    const golden = referenceEventLog(images)
    const bad = kernel.slice()
    bad[0] ^= 1
    const r = attest(bootedTpm(SEED_A, { ...images, kernel: bad }), 'ecc', {
      tamperEvidence: (e) => encodeEvidence({ ...decodeEvidence(e), eventLog: golden })
    })
    const c = r.checks.find((x) => x.id === 'event-log-replay')
    expect(c?.code).toBe('ATTEST_REPLAY_MISMATCH')
    expect(c?.params.pcr).toBe(4)
    expect(status(r)['reference-values']).toBe('pass') // the log itself is the golden one: only the replay catches it
  })

  it('a quote over another nonce fails the nonce check only', () => {
    const r = attest(bootedTpm(SEED_A), 'ecc', {
      tamperChallenge: (c) => {
        const m = decodeChallenge(c)
        m.nonce = m.nonce.slice()
        m.nonce[0] ^= 1
        return encodeChallenge(m)
      }
    })
    expect(status(r)).toEqual({ ...ALL_PASS, nonce: 'fail:ATTEST_NONCE_MISMATCH' })
  })

  it('an EK certificate from another manufacturer is not trusted', () => {
    const r = attest(bootedTpm(SEED_A), 'ecc', { caCert: new ManufacturerCa(SEED_B).certificate })
    expect(status(r)['ek-certificate']).toBe('fail:ATTEST_EK_CERT_UNTRUSTED')
  })

  it('a TPM that presents another TPM’s EK and AK cannot activate the credential, and its quote does not verify', () => {
    const r = attest(bootedTpm(SEED_B), 'ecc', { identityFrom: bootedTpm(SEED_A) })
    expect(status(r)['ak-credential']).toBe('fail:ATTEST_CREDENTIAL_MISMATCH')
    expect(status(r).signature).toBe('fail:ATTEST_BAD_SIGNATURE')
  })

  it('a forged event (changed command-line text, digest kept) fails the event-data check', () => {
    const r = attest(bootedTpm(SEED_A), 'ecc', {
      tamperEvidence: (e) => {
        const m = decodeEvidence(e)
        const log = m.eventLog.slice()
        log[log.length - 3] ^= 1 // inside "console=ttyS0"
        return encodeEvidence({ ...m, eventLog: log })
      }
    })
    const c = r.checks.find((x) => x.id === 'event-log-replay')
    expect(c?.code).toBe('ATTEST_EVENT_DATA_MISMATCH')
    expect(c?.params).toMatchObject({ index: 11, pcr: 8, eventType: 'EV_IPL' })
  })

  it('a changed PCR file value fails the pcr-digest check; a garbage message fails every check', () => {
    const r = attest(bootedTpm(SEED_A), 'ecc', {
      tamperEvidence: (e) => {
        const m = decodeEvidence(e)
        const pcrs = m.quotePcrs.slice()
        pcrs[0x8e] ^= 1
        return encodeEvidence({ ...m, quotePcrs: pcrs })
      }
    })
    expect(status(r)).toEqual({ ...ALL_PASS, 'pcr-digest': 'fail:ATTEST_PCR_VALUES_MISMATCH' })
    const g = attest(bootedTpm(SEED_A), 'ecc', { tamperEvidence: () => new Uint8Array(10) })
    expect(g.checks.every((c) => c.status === 'fail')).toBe(true)
  })

  it('reference values survive JSON and reject malformed input', () => {
    const back = parseReferenceValues(JSON.parse(JSON.stringify(reference)))
    expect(back).toEqual(reference)
    expect(() => parseReferenceValues({ ...reference, events: [{ pcr: 0 }] })).toThrow(/event 0/)
  })
})

describe('verifier robustness', () => {
  it('never throws on corrupted evidence: 120 random single-byte corruptions are all reported as untrusted', () => {
    const tpm = bootedTpm(SEED_A)
    const rnd = seededRandom('fuzz')
    const v0 = new RemoteVerifier({ caCertificate: ca.certificate, reference, random: seededRandom('verifier') })
    const good = agentRespond(tpm, v0.challenge(agentIdentity(tpm, 'ecc')), 'ecc')
    let untrusted = 0
    for (let i = 0; i < 120; i++) {
      const v = new RemoteVerifier({ caCertificate: ca.certificate, reference, random: seededRandom('verifier') })
      v.challenge(agentIdentity(tpm, 'ecc'))
      const r = rnd(4)
      const bad = good.slice()
      const at = ((r[0] << 16) | (r[1] << 8) | r[2]) % bad.length
      bad[at] ^= r[3] | 1
      const report = v.verify(bad)
      expect(report.checks).toHaveLength(7)
      if (!report.ok) untrusted++
    }
    expect(untrusted).toBe(120)
  })
})
