// The files a user exports to check a quote with Debian's tpm2-tools, independently of this program:
//   tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig -f quote.pcrs -g sha256 -q $(cat nonce) -e eventlog.bin
//   tpm2_eventlog eventlog.bin
import { toHex } from '../vtpm/marshal'
import { encodePcrsFile } from '../vtpm/pcrs-file'
import { objectName, type PcrSelection, publicKeyObject } from '../vtpm/structures'
import type { AkKind, VTpm } from '../vtpm/vtpm'
import { DEFAULT_QUOTE_SELECTION } from './verifier'

export type ExportFileName = 'quote.msg' | 'quote.sig' | 'quote.pcrs' | 'ak.pem' | 'ak.name' | 'eventlog.bin' | 'nonce' | 'ek.crt' | 'README.txt'

/** The command line that checks the exported files (run in the folder holding them). */
export function checkquoteCommand(nonceHex: string): string {
  return `tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig -f quote.pcrs -g sha256 -q ${nonceHex} -e eventlog.bin`
}

/** Quote with `nonce` and return every export file's bytes by name (the caller writes them to disk). */
export function exportAttestationFiles(
  vtpm: VTpm,
  nonce: Uint8Array,
  kind: AkKind = 'ecc',
  selection: PcrSelection[] = DEFAULT_QUOTE_SELECTION
): Record<ExportFileName, Uint8Array> {
  const q = vtpm.quote(kind, nonce, selection)
  const utf8 = new TextEncoder()
  const nonceHex = toHex(nonce)
  const pem = publicKeyObject(vtpm.akPublic(kind)).export({ type: 'spki', format: 'pem' })
  const certPem = `-----BEGIN CERTIFICATE-----\n${(Buffer.from(vtpm.ekCertificate).toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`
  return {
    'quote.msg': q.attest,
    'quote.sig': q.signature,
    'quote.pcrs': encodePcrsFile(q.selection, q.pcrValues),
    'ak.pem': utf8.encode(String(pem)),
    'ak.name': objectName(vtpm.akPublic(kind)),
    'eventlog.bin': vtpm.eventLog,
    nonce: utf8.encode(nonceHex),
    'ek.crt': utf8.encode(certPem),
    'README.txt': utf8.encode(
      `vTPM ${vtpm.id} quote (${kind === 'ecc' ? 'ECDSA P-256' : 'RSASSA-2048'} AK), nonce ${nonceHex}\n` +
        `Verify with Debian's tpm2-tools:\n  ${checkquoteCommand(nonceHex)}\n  tpm2_eventlog eventlog.bin\n`
    )
  }
}
