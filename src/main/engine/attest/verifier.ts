// The remote verifier. It sees only the bytes of the protocol messages (wire.ts), the manufacturer CA's
// certificate and the reference values; never the VTpm. Checks, each reported separately with a code:
//   ek-certificate    the EK certificate chains to the manufacturer CA
//   ak-credential     the AK is a restricted signing key and the credential encrypted to the EK for the AK's Name
//                     came back (MakeCredential/ActivateCredential): the AK lives in the TPM that owns the EK
//   signature         the quote is signed by that AK, and its qualifiedSigner is the AK under that EK
//   nonce             the quote carries this session's fresh nonce
//   pcr-digest        the reported PCR values hash to the quoted pcrDigest (what tpm2_checkquote checks)
//   event-log-replay  the event log replays to the quoted pcrDigest, covers only quoted PCRs, and every event that
//                     carries its measured bytes hashes to its digests
//   reference-values  every event equals the reference (golden) event at its position; the first difference is
//                     named (index, PCR, event type, expected vs actual digest)
import { type KeyObject, verify as nodeVerify, X509Certificate } from 'node:crypto'
import { AK_ATTRIBUTES, EK_ATTRIBUTES, EK_AUTH_POLICY, eventTypeName, TPM_ALG_SHA256, TPM_ECC_NIST_P256, TPM_RH_ENDORSEMENT } from '../vtpm/constants'
import { makeCredential } from '../vtpm/credential'
import { digestMatchesData, type LogEvent, parseEventLog, replayEventLog, specIdHeader } from '../vtpm/eventlog'
import { EngineError } from '../errors'
import { hash } from '../vtpm/kdf'
import { bytesEqual, concatBytes, toHex } from '../vtpm/marshal'
import { parsePcrsFile } from '../vtpm/pcrs-file'
import {
  handleBytes,
  objectName,
  parseAttest,
  parsePublic2b,
  parseSignature,
  type PcrSelection,
  publicKeyObject,
  qualifiedName,
  type QuoteAttest,
  type TpmtPublic
} from '../vtpm/structures'
import type { ReferenceValues } from './reference'
import { decodeEvidence, decodeIdentity, encodeChallenge, type EvidenceMessage } from './wire'

export const CHECK_IDS = [
  'ek-certificate',
  'ak-credential',
  'signature',
  'nonce',
  'pcr-digest',
  'event-log-replay',
  'reference-values'
] as const
export type CheckId = (typeof CHECK_IDS)[number]

export type CheckStatus = 'pass' | 'fail' | 'skipped'

export interface AttestationCheck {
  id: CheckId
  status: CheckStatus
  /** ATTEST_* code: the reason for a failure, or the *_OK code of a pass (translated by the app). */
  code: string
  params: Record<string, string | number>
}

export interface AttestationReport {
  ok: boolean
  nonce: string
  akName: string
  checks: AttestationCheck[]
  /** From the quote, when it parsed. */
  quote: { clock: string; resetCount: number; restartCount: number; firmwareVersion: string; pcrs: { pcr: number; sha256: string }[] } | null
}

/** The PCRs the verifier asks for: every PCR the measured boot uses. */
export const DEFAULT_QUOTE_SELECTION: PcrSelection[] = [{ hash: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8] }]

export interface VerifierOptions {
  /** DER certificate of the manufacturer CA (the trust anchor). */
  caCertificate: Uint8Array
  reference: ReferenceValues
  /** Fresh randomness for the nonce, the credential and the ECDH ephemeral key. The verifier stands for a remote
   * party: its caller supplies it (the service: crypto.randomBytes; tests: a seeded stream), so nothing in the
   * engine draws randomness on its own. */
  random: (n: number) => Uint8Array
  selection?: PcrSelection[]
  nonceBytes?: number
}

interface Session {
  nonce: Uint8Array
  credential: Uint8Array
  selection: PcrSelection[]
  ekCert: X509Certificate | null
  ekCertError: string
  ekPublic: TpmtPublic | null
  ak: TpmtPublic | null
  akError: string
}

type Checks = Map<CheckId, AttestationCheck>

/** One attestation session: challenge(identity) → verify(evidence). Create a new verifier for every attestation. */
export class RemoteVerifier {
  private session: Session | null = null
  private readonly random: (n: number) => Uint8Array

  constructor(private readonly opts: VerifierOptions) {
    this.random = opts.random
  }

  get nonce(): Uint8Array | null {
    return this.session ? this.session.nonce.slice() : null
  }

  /** Reads the agent's identity and returns the challenge: fresh nonce, PCR selection, credential for the AK. */
  challenge(identityBytes: Uint8Array): Uint8Array {
    const id = decodeIdentity(identityBytes)
    const s: Session = {
      nonce: this.random(this.opts.nonceBytes ?? 20),
      credential: this.random(32),
      selection: this.opts.selection ?? DEFAULT_QUOTE_SELECTION,
      ekCert: null,
      ekCertError: '',
      ekPublic: null,
      ak: null,
      akError: ''
    }
    try {
      s.ekCert = new X509Certificate(Buffer.from(id.ekCertificate))
    } catch {
      s.ekCertError = 'unparsable certificate'
    }
    if (s.ekCert) s.ekPublic = ekPublicFromCert(s.ekCert)
    try {
      s.ak = parsePublic2b(id.akPublic)
    } catch (e) {
      s.akError = e instanceof Error ? e.message : 'unparsable'
    }
    this.session = s
    let credentialBlob: Uint8Array = new Uint8Array(0)
    let secret: Uint8Array = new Uint8Array(0)
    if (s.ekPublic?.type === 'ecc' && s.ak) {
      const blob = makeCredential(s.ekPublic, objectName(s.ak), s.credential, this.random(32))
      credentialBlob = blob.credentialBlob
      secret = blob.secret
    }
    return encodeChallenge({ nonce: s.nonce, selection: s.selection, credentialBlob, secret })
  }

  /** Checks the evidence; every check is reported, the first failure of each kind with its parameters. */
  verify(evidenceBytes: Uint8Array): AttestationReport {
    const s = this.session
    if (!s) throw new Error('RemoteVerifier.verify called before challenge')
    const checks: Checks = new Map()
    const set = (id: CheckId, status: CheckStatus, code: string, params: Record<string, string | number> = {}): void => {
      checks.set(id, { id, status, code, params })
    }
    let ev: EvidenceMessage | null = null
    try {
      ev = decodeEvidence(evidenceBytes)
    } catch {
      for (const id of CHECK_IDS) set(id, 'fail', 'ATTEST_BAD_MESSAGE', { message: 'evidence' })
    }
    let attest: QuoteAttest | null = null
    if (ev) {
      this.checkEkCertificate(s, set)
      this.checkAkCredential(s, ev, set)
      attest = this.checkSignature(s, ev, set)
      if (attest) {
        this.checkNonce(s, attest, set)
        this.checkPcrDigest(ev, attest, set)
        this.checkEventLog(s, ev, attest, set)
      } else for (const id of ['nonce', 'pcr-digest', 'event-log-replay', 'reference-values'] as const) set(id, 'skipped', 'ATTEST_SKIPPED_NO_QUOTE')
    }
    const list = CHECK_IDS.map((id) => checks.get(id) ?? { id, status: 'skipped' as const, code: 'ATTEST_SKIPPED_NO_QUOTE', params: {} })
    let pcrs: { pcr: number; sha256: string }[] = []
    if (ev)
      try {
        const f = parsePcrsFile(ev.quotePcrs)
        pcrs = f.selection.flatMap((sel) => sel.pcrs).map((pcr, i) => ({ pcr, sha256: toHex(f.values[i] ?? new Uint8Array(0)) }))
      } catch {
        pcrs = []
      }
    return {
      ok: list.every((c) => c.status === 'pass'),
      nonce: toHex(s.nonce),
      akName: s.ak ? toHex(objectName(s.ak)) : '',
      checks: list,
      quote: attest
        ? {
            clock: attest.clockInfo.clock.toString(),
            resetCount: attest.clockInfo.resetCount,
            restartCount: attest.clockInfo.restartCount,
            firmwareVersion: attest.firmwareVersion.toString(16).padStart(16, '0'),
            pcrs
          }
        : null
    }
  }

  private checkEkCertificate(s: Session, set: SetFn): void {
    if (!s.ekCert) return set('ek-certificate', 'fail', 'ATTEST_EK_CERT_UNTRUSTED', { reason: s.ekCertError })
    let ca: X509Certificate
    try {
      ca = new X509Certificate(Buffer.from(this.opts.caCertificate))
    } catch {
      return set('ek-certificate', 'fail', 'ATTEST_EK_CERT_UNTRUSTED', { reason: 'unparsable CA certificate' })
    }
    if (!s.ekCert.checkIssued(ca) || !s.ekCert.verify(ca.publicKey))
      return set('ek-certificate', 'fail', 'ATTEST_EK_CERT_UNTRUSTED', { reason: 'not issued by the manufacturer CA' })
    if (!s.ekPublic) return set('ek-certificate', 'fail', 'ATTEST_EK_CERT_UNTRUSTED', { reason: 'the EK is not an ECC P-256 key' })
    set('ek-certificate', 'pass', 'ATTEST_EK_CERT_OK', { subject: s.ekCert.subject.replace(/\n/g, ', ') })
  }

  private checkAkCredential(s: Session, ev: EvidenceMessage, set: SetFn): void {
    if (!s.ak) return set('ak-credential', 'fail', 'ATTEST_AK_INVALID', { reason: s.akError })
    if ((s.ak.attributes & AK_ATTRIBUTES) !== AK_ATTRIBUTES)
      return set('ak-credential', 'fail', 'ATTEST_AK_NOT_RESTRICTED', { attributes: `0x${s.ak.attributes.toString(16).padStart(8, '0')}` })
    if (!s.ekPublic) return set('ak-credential', 'skipped', 'ATTEST_SKIPPED_NO_EK')
    if (!bytesEqual(ev.activatedCredential, s.credential))
      return set('ak-credential', 'fail', 'ATTEST_CREDENTIAL_MISMATCH', { akName: toHex(objectName(s.ak)) })
    set('ak-credential', 'pass', 'ATTEST_AK_BOUND', { akName: toHex(objectName(s.ak)) })
  }

  private checkSignature(s: Session, ev: EvidenceMessage, set: SetFn): QuoteAttest | null {
    let attest: QuoteAttest
    try {
      attest = parseAttest(ev.quoteMsg)
    } catch (e) {
      set('signature', 'fail', 'ATTEST_QUOTE_MALFORMED', { reason: e instanceof Error ? e.message : 'unparsable' })
      return null
    }
    if (!s.ak) {
      set('signature', 'skipped', 'ATTEST_SKIPPED_NO_AK')
      return attest
    }
    const ok = verifyQuoteSignature(publicKeyObject(s.ak), ev.quoteMsg, ev.quoteSig)
    if (!ok) {
      set('signature', 'fail', 'ATTEST_BAD_SIGNATURE', { akName: toHex(objectName(s.ak)) })
      return attest
    }
    if (s.ekPublic) {
      const ekQn = qualifiedName(handleBytes(TPM_RH_ENDORSEMENT), objectName(s.ekPublic))
      const expected = qualifiedName(ekQn, objectName(s.ak))
      if (!bytesEqual(expected, attest.qualifiedSigner)) {
        set('signature', 'fail', 'ATTEST_WRONG_SIGNER', { expected: toHex(expected), actual: toHex(attest.qualifiedSigner) })
        return attest
      }
    }
    set('signature', 'pass', 'ATTEST_SIGNATURE_OK', { alg: s.ak.type === 'ecc' ? 'ECDSA P-256' : 'RSASSA-2048' })
    return attest
  }

  private checkNonce(s: Session, attest: QuoteAttest, set: SetFn): void {
    if (!bytesEqual(attest.extraData, s.nonce))
      return set('nonce', 'fail', 'ATTEST_NONCE_MISMATCH', { expected: toHex(s.nonce), actual: toHex(attest.extraData) })
    set('nonce', 'pass', 'ATTEST_NONCE_OK', { nonce: toHex(s.nonce) })
  }

  private checkPcrDigest(ev: EvidenceMessage, attest: QuoteAttest, set: SetFn): void {
    const reason = pcrFileMismatch(ev.quotePcrs, attest)
    if (reason) return set('pcr-digest', 'fail', 'ATTEST_PCR_VALUES_MISMATCH', { reason })
    set('pcr-digest', 'pass', 'ATTEST_PCR_VALUES_OK', { count: attest.pcrSelect.reduce((n, x) => n + x.pcrs.length, 0) })
  }

  private checkEventLog(s: Session, ev: EvidenceMessage, attest: QuoteAttest, set: SetFn): void {
    let events: LogEvent[]
    try {
      // our firmware writes exactly this header; anything else in it means the log was altered
      const header = specIdHeader()
      if (!bytesEqual(ev.eventLog.subarray(0, header.length), header))
        throw new EngineError('EVENTLOG_MALFORMED', 'event log: unexpected Spec ID header', { offset: 0, reason: 'unexpected Spec ID header' })
      events = parseEventLog(ev.eventLog)
    } catch (e) {
      set('event-log-replay', 'fail', 'ATTEST_EVENTLOG_MALFORMED', { reason: e instanceof Error ? e.message : 'unparsable' })
      return set('reference-values', 'skipped', 'ATTEST_SKIPPED_NO_LOG')
    }
    this.checkReplay(s, ev, events, attest, set)
    this.checkReference(events, set)
  }

  private checkReplay(s: Session, ev: EvidenceMessage, events: LogEvent[], attest: QuoteAttest, set: SetFn): void {
    if (!sameSelection(attest.pcrSelect, s.selection))
      return set('event-log-replay', 'fail', 'ATTEST_PCRS_NOT_QUOTED', { pcr: selectionText(s.selection) })
    const quoted = new Set(attest.pcrSelect.filter((x) => x.hash === 'sha256').flatMap((x) => x.pcrs))
    for (const [i, e] of events.entries()) {
      if (!quoted.has(e.pcr)) return set('event-log-replay', 'fail', 'ATTEST_PCRS_NOT_QUOTED', { pcr: e.pcr, index: i + 1 })
      if (!digestMatchesData(e))
        return set('event-log-replay', 'fail', 'ATTEST_EVENT_DATA_MISMATCH', { index: i + 1, pcr: e.pcr, eventType: eventTypeName(e.type) })
    }
    const replayed = replayEventLog(events)
    const values = attest.pcrSelect.flatMap((x) => x.pcrs.map((p) => replayed[x.hash][p]))
    if (!bytesEqual(hash('sha256', ...values), attest.pcrDigest)) {
      return set('event-log-replay', 'fail', 'ATTEST_REPLAY_MISMATCH', firstReplayMismatch(attest.pcrSelect, replayed, ev.quotePcrs))
    }
    set('event-log-replay', 'pass', 'ATTEST_REPLAY_OK', { events: events.length })
  }

  private checkReference(events: LogEvent[], set: SetFn): void {
    const ref = this.opts.reference.events
    const n = Math.max(events.length, ref.length)
    for (let i = 0; i < n; i++) {
      const e = events[i]
      const r = ref[i]
      // event numbers count the Spec ID header as event 0, as tpm2_eventlog does
      if (!e)
        return set('reference-values', 'fail', 'ATTEST_REFERENCE_MISSING_EVENT', { index: i + 1, pcr: r.pcr, eventType: r.typeName, expected: r.sha256, actual: 'none', description: r.description })
      if (!r)
        return set('reference-values', 'fail', 'ATTEST_REFERENCE_UNEXPECTED_EVENT', { index: i + 1, pcr: e.pcr, eventType: eventTypeName(e.type), expected: 'none', actual: toHex(e.digests.sha256), description: '' })
      const actual = toHex(e.digests.sha256)
      const dataDiffers = r.data !== '' && toHex(e.data) !== r.data
      if (e.pcr !== r.pcr || e.type !== r.type || actual !== r.sha256 || toHex(e.digests.sha1) !== r.sha1 || dataDiffers)
        return set('reference-values', 'fail', 'ATTEST_REFERENCE_MISMATCH', {
          index: i + 1,
          pcr: e.pcr,
          eventType: eventTypeName(e.type),
          expected: actual === r.sha256 && dataDiffers ? `data ${r.data}` : r.sha256,
          actual: actual === r.sha256 && dataDiffers ? `data ${toHex(e.data)}` : actual,
          description: r.description
        })
    }
    set('reference-values', 'pass', 'ATTEST_REFERENCE_OK', { events: events.length })
  }
}

/** Verifies a TPMT_SIGNATURE (ECDSA or RSASSA, SHA-256) over a quote message with an AK public key. */
export function verifyQuoteSignature(ak: KeyObject, msg: Uint8Array, sigBytes: Uint8Array): boolean {
  try {
    const sig = parseSignature(sigBytes)
    if (sig.hashAlg !== TPM_ALG_SHA256) return false
    const type = ak.asymmetricKeyType
    if (sig.alg === 'ecdsa' && type === 'ec')
      return nodeVerify('sha256', msg, { key: ak, dsaEncoding: 'ieee-p1363' }, concatBytes(pad32(sig.r), pad32(sig.s)))
    if (sig.alg === 'rsassa' && type === 'rsa') return nodeVerify('sha256', msg, ak, sig.sig)
    return false
  } catch {
    return false
  }
}

/** What tpm2_checkquote checks without an event log: signature, nonce (qualification) and that the PCR file's
 * values hash to the quoted pcrDigest over the same selection. */
export function checkQuoteFiles(
  ak: KeyObject,
  files: { msg: Uint8Array; sig: Uint8Array; pcrs: Uint8Array; nonce: Uint8Array }
): { signature: boolean; nonce: boolean; pcrDigest: boolean } {
  const signature = verifyQuoteSignature(ak, files.msg, files.sig)
  let attest: QuoteAttest
  try {
    attest = parseAttest(files.msg)
  } catch {
    return { signature, nonce: false, pcrDigest: false }
  }
  return { signature, nonce: bytesEqual(attest.extraData, files.nonce), pcrDigest: pcrFileMismatch(files.pcrs, attest) === null }
}

/** null if the PCR file has the quote's selection and its values hash to the quoted pcrDigest; else why not. */
function pcrFileMismatch(pcrsFile: Uint8Array, attest: QuoteAttest): string | null {
  try {
    const f = parsePcrsFile(pcrsFile)
    if (!sameSelection(f.selection, attest.pcrSelect)) return 'selection'
    return bytesEqual(hash('sha256', ...f.values), attest.pcrDigest) ? null : 'digest'
  } catch {
    return 'unparsable PCR file'
  }
}

type SetFn = (id: CheckId, status: CheckStatus, code: string, params?: Record<string, string | number>) => void

function pad32(b: Uint8Array): Uint8Array {
  if (b.length >= 32) return b.subarray(b.length - 32)
  const out = new Uint8Array(32)
  out.set(b, 32 - b.length)
  return out
}

function sameSelection(a: readonly PcrSelection[], b: readonly PcrSelection[]): boolean {
  return selectionText(a) === selectionText(b)
}

function selectionText(sel: readonly PcrSelection[]): string {
  return sel.map((s) => `${s.hash}:${s.pcrs.join(',')}`).join('+')
}

/** Names the first quoted PCR whose replayed value differs from the value the TPM reported (quote.pcrs); if the
 * reported values are unusable, the replayed digest of the whole selection. */
function firstReplayMismatch(
  sel: readonly PcrSelection[],
  replayed: Record<'sha1' | 'sha256', Uint8Array[]>,
  pcrsFile: Uint8Array
): Record<string, string | number> {
  try {
    const f = parsePcrsFile(pcrsFile)
    let i = 0
    for (const x of f.selection)
      for (const p of x.pcrs) {
        const reported = f.values[i++]
        if (reported && !bytesEqual(reported, replayed[x.hash][p]))
          return { pcr: p, expected: toHex(reported), actual: toHex(replayed[x.hash][p]) }
      }
  } catch {
    // fall through to the digest form
  }
  const digest = hash('sha256', ...sel.flatMap((x) => x.pcrs.map((p) => replayed[x.hash][p])))
  return { pcr: selectionText(sel), expected: 'quoted digest', actual: toHex(digest) }
}

/** The EK's TPMT_PUBLIC from its certificate, assuming the TCG default ECC EK template (as our vTPM uses). */
function ekPublicFromCert(cert: X509Certificate): TpmtPublic | null {
  const jwk = cert.publicKey.export({ format: 'jwk' })
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) return null
  return {
    type: 'ecc',
    nameAlg: TPM_ALG_SHA256,
    attributes: EK_ATTRIBUTES,
    authPolicy: EK_AUTH_POLICY,
    symmetric: 'aes128cfb',
    scheme: null,
    curve: TPM_ECC_NIST_P256,
    x: new Uint8Array(Buffer.from(jwk.x, 'base64url')),
    y: new Uint8Array(Buffer.from(jwk.y, 'base64url'))
  }
}
