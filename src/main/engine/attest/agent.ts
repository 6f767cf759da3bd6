// The attestation agent: the VM side of the protocol (it holds the VTpm). It answers with bytes only.
import type { AkKind, VTpm } from '../vtpm/vtpm'
import { encodePcrsFile } from '../vtpm/pcrs-file'
import { decodeChallenge, encodeEvidence, encodeIdentity } from './wire'

/** Step 1: the EK certificate and the AK public area. */
export function agentIdentity(vtpm: VTpm, kind: AkKind = 'ecc'): Uint8Array {
  return encodeIdentity({ ekCertificate: vtpm.ekCertificate, akPublic: vtpm.akPublic2b(kind) })
}

/** Step 3: activate the credential with the EK (proves the AK lives in this TPM), quote with the nonce, attach
 * the PCR values and the event log. A credential that does not activate is answered with an empty value: the
 * verifier reports it. */
export function agentRespond(vtpm: VTpm, challenge: Uint8Array, kind: AkKind = 'ecc'): Uint8Array {
  const c = decodeChallenge(challenge)
  let activated: Uint8Array = new Uint8Array(0)
  try {
    activated = vtpm.activateCredential(kind, { credentialBlob: c.credentialBlob, secret: c.secret })
  } catch {
    // left empty on purpose
  }
  const q = vtpm.quote(kind, c.nonce, c.selection)
  return encodeEvidence({
    activatedCredential: activated,
    quoteMsg: q.attest,
    quoteSig: q.signature,
    quotePcrs: encodePcrsFile(q.selection, q.pcrValues),
    eventLog: vtpm.eventLog
  })
}
