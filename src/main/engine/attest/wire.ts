// The attestation protocol's messages as bytes: what crosses the wire between the VM's attestation agent and the
// remote verifier. Each message: a 4-byte tag, a field count, then each field as u32 length + bytes (big-endian).
//   1. agent → verifier  IDENTITY   EK certificate (DER), AK TPM2B_PUBLIC
//   2. verifier → agent  CHALLENGE  nonce, TPML_PCR_SELECTION to quote, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET
//   3. agent → verifier  EVIDENCE   activated credential, quote.msg, quote.sig, quote.pcrs, eventlog.bin
import { EngineError } from '../errors'
import { ByteReader, ByteWriter } from '../vtpm/marshal'
import { type PcrSelection, readPcrSelections, writePcrSelections } from '../vtpm/structures'

const TAG_IDENTITY = 0x41494431 // "AID1"
const TAG_CHALLENGE = 0x4143484c // "ACHL"
const TAG_EVIDENCE = 0x41455631 // "AEV1"

function encode(tag: number, fields: Uint8Array[]): Uint8Array {
  const w = new ByteWriter().u32(tag).u16(fields.length)
  for (const f of fields) w.u32(f.length).bytes(f)
  return w.finish()
}

function decode(tag: number, what: string, bytes: Uint8Array, count: number): Uint8Array[] {
  const r = new ByteReader(bytes, what)
  if (r.u32() !== tag || r.u16() !== count)
    throw new EngineError('ATTEST_BAD_MESSAGE', `not an attestation ${what} message`, { message: what })
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) out.push(r.bytes(r.u32()))
  r.end()
  return out
}

export interface IdentityMessage {
  ekCertificate: Uint8Array
  akPublic: Uint8Array
}

export interface ChallengeMessage {
  nonce: Uint8Array
  selection: PcrSelection[]
  credentialBlob: Uint8Array
  secret: Uint8Array
}

export interface EvidenceMessage {
  activatedCredential: Uint8Array
  quoteMsg: Uint8Array
  quoteSig: Uint8Array
  quotePcrs: Uint8Array
  eventLog: Uint8Array
}

export function encodeIdentity(m: IdentityMessage): Uint8Array {
  return encode(TAG_IDENTITY, [m.ekCertificate, m.akPublic])
}

export function decodeIdentity(bytes: Uint8Array): IdentityMessage {
  const [ekCertificate, akPublic] = decode(TAG_IDENTITY, 'identity', bytes, 2)
  return { ekCertificate, akPublic }
}

export function encodeChallenge(m: ChallengeMessage): Uint8Array {
  const sel = new ByteWriter()
  writePcrSelections(sel, m.selection)
  return encode(TAG_CHALLENGE, [m.nonce, sel.finish(), m.credentialBlob, m.secret])
}

export function decodeChallenge(bytes: Uint8Array): ChallengeMessage {
  const [nonce, sel, credentialBlob, secret] = decode(TAG_CHALLENGE, 'challenge', bytes, 4)
  const r = new ByteReader(sel, 'TPML_PCR_SELECTION')
  const selection = readPcrSelections(r)
  r.end()
  return { nonce, selection, credentialBlob, secret }
}

export function encodeEvidence(m: EvidenceMessage): Uint8Array {
  return encode(TAG_EVIDENCE, [m.activatedCredential, m.quoteMsg, m.quoteSig, m.quotePcrs, m.eventLog])
}

export function decodeEvidence(bytes: Uint8Array): EvidenceMessage {
  const [activatedCredential, quoteMsg, quoteSig, quotePcrs, eventLog] = decode(TAG_EVIDENCE, 'evidence', bytes, 5)
  return { activatedCredential, quoteMsg, quoteSig, quotePcrs, eventLog }
}
