// TPM 2.0 constants (TPM 2.0 Library Specification Part 2: Structures) and TCG PC Client event types
// (TCG PC Client Platform Firmware Profile). Only the subset the vTPM uses.

/** TPM_ALG_ID */
export const TPM_ALG_RSA = 0x0001
export const TPM_ALG_SHA1 = 0x0004
export const TPM_ALG_HMAC = 0x0005
export const TPM_ALG_AES = 0x0006
export const TPM_ALG_KEYEDHASH = 0x0008
export const TPM_ALG_SHA256 = 0x000b
export const TPM_ALG_NULL = 0x0010
export const TPM_ALG_RSASSA = 0x0014
export const TPM_ALG_ECDSA = 0x0018
export const TPM_ALG_ECC = 0x0023
export const TPM_ALG_CFB = 0x0043

/** TPM_ECC_CURVE */
export const TPM_ECC_NIST_P256 = 0x0003

/** TPM_ST (structure tags) */
export const TPM_ST_ATTEST_QUOTE = 0x8018

/** TPM_GENERATED_VALUE: the magic that starts every TPMS_ATTEST the TPM itself produced. */
export const TPM_GENERATED_VALUE = 0xff544347

/** TPM_CC used in policy digests. */
export const TPM_CC_POLICY_PCR = 0x0000017f

/** TPM_RH_ENDORSEMENT: the endorsement hierarchy handle (its qualified name is the handle itself). */
export const TPM_RH_ENDORSEMENT = 0x4000000b

/** TPMA_OBJECT bits. */
export const TPMA_FIXED_TPM = 1 << 1
export const TPMA_FIXED_PARENT = 1 << 4
export const TPMA_SENSITIVE_DATA_ORIGIN = 1 << 5
export const TPMA_USER_WITH_AUTH = 1 << 6
export const TPMA_ADMIN_WITH_POLICY = 1 << 7
export const TPMA_NO_DA = 1 << 10
export const TPMA_RESTRICTED = 1 << 16
export const TPMA_DECRYPT = 1 << 17
export const TPMA_SIGN = 1 << 18

/** The attributes tpm2_createak gives an attestation key: fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|
 * restricted|sign = 0x00050072. */
export const AK_ATTRIBUTES =
  TPMA_FIXED_TPM | TPMA_FIXED_PARENT | TPMA_SENSITIVE_DATA_ORIGIN | TPMA_USER_WITH_AUTH | TPMA_RESTRICTED | TPMA_SIGN

/** The TCG EK Credential Profile default EK template attributes: fixedTPM|fixedParent|sensitiveDataOrigin|
 * adminWithPolicy|restricted|decrypt = 0x000300b2. */
export const EK_ATTRIBUTES =
  TPMA_FIXED_TPM | TPMA_FIXED_PARENT | TPMA_SENSITIVE_DATA_ORIGIN | TPMA_ADMIN_WITH_POLICY | TPMA_RESTRICTED | TPMA_DECRYPT

/** The EK template's authPolicy: PolicySecret(TPM_RH_ENDORSEMENT) (TCG EK Credential Profile, template L-1/L-2). */
export const EK_AUTH_POLICY = Uint8Array.from(
  Buffer.from('837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa', 'hex')
)

/** Firmware version reported in TPMS_ATTEST (our own vendor value, "VWB" 1.0). */
export const VTPM_FIRMWARE_VERSION = 0x5657420001000000n

/** Number of PCRs per bank (PC Client platform). */
export const PCR_COUNT = 24

/** TCG PC Client event types. */
export const EV_POST_CODE = 0x00000001
export const EV_NO_ACTION = 0x00000003
export const EV_SEPARATOR = 0x00000004
export const EV_S_CRTM_VERSION = 0x00000008
export const EV_IPL = 0x0000000d
export const EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003

export const EVENT_TYPE_NAMES: Readonly<Record<number, string>> = {
  [EV_POST_CODE]: 'EV_POST_CODE',
  [EV_NO_ACTION]: 'EV_NO_ACTION',
  [EV_SEPARATOR]: 'EV_SEPARATOR',
  [EV_S_CRTM_VERSION]: 'EV_S_CRTM_VERSION',
  [EV_IPL]: 'EV_IPL',
  [EV_EFI_BOOT_SERVICES_APPLICATION]: 'EV_EFI_BOOT_SERVICES_APPLICATION'
}

export function eventTypeName(type: number): string {
  return EVENT_TYPE_NAMES[type] ?? `0x${type.toString(16).padStart(8, '0')}`
}

/** The hash algorithms of our PCR banks, in bank order. */
export type HashName = 'sha1' | 'sha256'
export const BANKS: readonly HashName[] = ['sha1', 'sha256']
export const HASH_ALG_ID: Readonly<Record<HashName, number>> = { sha1: TPM_ALG_SHA1, sha256: TPM_ALG_SHA256 }
export const HASH_SIZE: Readonly<Record<HashName, number>> = { sha1: 20, sha256: 32 }

export function hashNameOf(algId: number): HashName | null {
  if (algId === TPM_ALG_SHA1) return 'sha1'
  if (algId === TPM_ALG_SHA256) return 'sha256'
  return null
}
