// vTPM and remote attestation (issue 6): PCRs, the measured-boot event log, attestation with a fresh nonce and a
// checklist, the tamper demonstration, seal/unseal, and the files for Debian's tpm2_checkquote.
import { z } from 'zod'
import { defineCommand } from './define'
import { Base64Schema, IdSchema } from './common'

export const AK_KINDS = ['ecc', 'rsa'] as const
export const AkKindSchema = z.enum(AK_KINDS)
export type AkKindDto = z.infer<typeof AkKindSchema>

/** The checks of the remote verifier, in the order it reports them (src/main/engine/attest/verifier.ts). */
export const ATTESTATION_CHECKS = ['ek-certificate', 'ak-credential', 'signature', 'nonce', 'pcr-digest', 'event-log-replay', 'reference-values'] as const

const ParamsSchema = z.record(z.string(), z.union([z.string(), z.number()]))

export const AttestationCheckSchema = z.strictObject({
  id: z.enum(ATTESTATION_CHECKS),
  status: z.enum(['pass', 'fail', 'skipped']),
  code: z.string(),
  params: ParamsSchema
})
export type AttestationCheckDto = z.infer<typeof AttestationCheckSchema>

export const AttestationReportSchema = z.strictObject({
  ok: z.boolean(),
  nonce: z.string(),
  akKind: AkKindSchema,
  akName: z.string(),
  checks: z.array(AttestationCheckSchema),
  quote: z
    .strictObject({
      clock: z.string(),
      resetCount: z.number(),
      restartCount: z.number(),
      firmwareVersion: z.string(),
      pcrs: z.array(z.strictObject({ pcr: z.number(), sha256: z.string() }))
    })
    .nullable()
})
export type AttestationReportDto = z.infer<typeof AttestationReportSchema>

export const TamperSchema = z.strictObject({
  /** Offset of the kernel byte to flip on the next boot, or null. */
  kernelByte: z.number().int().min(0).nullable(),
  /** Command line to boot with instead of the VM's own, or null. */
  cmdline: z.string().max(200).nullable()
})
export type TamperDto = z.infer<typeof TamperSchema>

export const EventRowSchema = z.strictObject({
  index: z.number(),
  pcr: z.number(),
  type: z.string(),
  sha1: z.string(),
  sha256: z.string(),
  detail: z.string(),
  /** Whether the event equals the reference (golden) event at its position. */
  matchesReference: z.boolean()
})
export type EventRowDto = z.infer<typeof EventRowSchema>

export const VtpmStateSchema = z.strictObject({
  vmId: IdSchema,
  tpmId: z.string(),
  pcrs: z.strictObject({ sha1: z.array(z.string()), sha256: z.array(z.string()) }),
  events: z.array(EventRowSchema),
  tamper: TamperSchema,
  /** The command line and kernel size measured at the last boot. */
  booted: z.strictObject({ image: z.string(), kernelBytes: z.number(), cmdline: z.string(), resetCount: z.number() }),
  ekCertificatePem: z.string(),
  akNames: z.strictObject({ ecc: z.string(), rsa: z.string() })
})
export type VtpmStateDto = z.infer<typeof VtpmStateSchema>

const ByVm = z.strictObject({ vmId: IdSchema })

export const attestationCommands = {
  /** PCR banks, event log and identity of a VM's vTPM (created and measured on first use). */
  'attestation.state': defineCommand(ByVm, VtpmStateSchema),
  /** Remote attestation with a fresh nonce: the verifier's checklist. */
  'attestation.attest': defineCommand(z.strictObject({ vmId: IdSchema, akKind: AkKindSchema }), AttestationReportSchema),
  /** Set (or clear, with nulls) the tamper and reboot: measured boot runs again. */
  'attestation.reboot': defineCommand(z.strictObject({ vmId: IdSchema, tamper: TamperSchema }), VtpmStateSchema),
  /** Seal a secret to the current PCR 0, 4 and 8; the blob can be unsealed only with the same values. */
  'attestation.seal': defineCommand(z.strictObject({ vmId: IdSchema, secret: z.string().min(1).max(100) }), z.strictObject({ blob: Base64Schema, pcrs: z.string() })),
  'attestation.unseal': defineCommand(z.strictObject({ vmId: IdSchema, blob: Base64Schema }), z.strictObject({ secret: z.string() })),
  /** quote.msg, quote.sig, quote.pcrs, ak.pem, eventlog.bin, nonce … and the tpm2_checkquote command line. */
  'attestation.export': defineCommand(
    z.strictObject({ vmId: IdSchema, akKind: AkKindSchema }),
    z.strictObject({ nonce: z.string(), command: z.string(), files: z.array(z.strictObject({ name: z.string(), base64: Base64Schema })) })
  )
}

export const attestationEvents = {}

/** Codes users can meet here: failures of the engine's vTPM (VTPM_*, EVENTLOG_*) and the verifier's check codes
 * (ATTEST_*: failures, passes and skips, each translated). */
export const attestationErrorCodes = [
  'VTPM_NOT_ENABLED',
  'VTPM_POLICY_FAIL',
  'VTPM_INTEGRITY_FAIL',
  'VTPM_SEAL_TOO_LARGE',
  'VTPM_NONCE_TOO_LARGE',
  'VTPM_BAD_PCR',
  'VTPM_BAD_SEED',
  'VTPM_BAD_DIGEST',
  'VTPM_BAD_HEX',
  'VTPM_ECC_POINT',
  'VTPM_MARSHAL_TRUNCATED',
  'VTPM_MARSHAL_TRAILING',
  'VTPM_MARSHAL_BAD_COUNT',
  'VTPM_UNSUPPORTED_ALG',
  'VTPM_ATTEST_BAD_MAGIC',
  'VTPM_ATTEST_NOT_QUOTE',
  'VTPM_STATE_BAD_FORMAT',
  'EVENTLOG_MALFORMED',
  'ATTEST_BAD_MESSAGE',
  'ATTEST_REFERENCE_INVALID',
  'ATTEST_EK_CERT_OK',
  'ATTEST_EK_CERT_UNTRUSTED',
  'ATTEST_AK_BOUND',
  'ATTEST_AK_INVALID',
  'ATTEST_AK_NOT_RESTRICTED',
  'ATTEST_CREDENTIAL_MISMATCH',
  'ATTEST_SIGNATURE_OK',
  'ATTEST_BAD_SIGNATURE',
  'ATTEST_WRONG_SIGNER',
  'ATTEST_QUOTE_MALFORMED',
  'ATTEST_NONCE_OK',
  'ATTEST_NONCE_MISMATCH',
  'ATTEST_PCR_VALUES_OK',
  'ATTEST_PCR_VALUES_MISMATCH',
  'ATTEST_REPLAY_OK',
  'ATTEST_REPLAY_MISMATCH',
  'ATTEST_PCRS_NOT_QUOTED',
  'ATTEST_EVENT_DATA_MISMATCH',
  'ATTEST_EVENTLOG_MALFORMED',
  'ATTEST_REFERENCE_OK',
  'ATTEST_REFERENCE_MISMATCH',
  'ATTEST_REFERENCE_MISSING_EVENT',
  'ATTEST_REFERENCE_UNEXPECTED_EVENT',
  'ATTEST_SKIPPED_NO_QUOTE',
  'ATTEST_SKIPPED_NO_EK',
  'ATTEST_SKIPPED_NO_AK',
  'ATTEST_SKIPPED_NO_LOG'
] as const
