// Every error code a user can see. Errors cross the wire as { code, params }; the UI translates the code with
// the catalogues in src/renderer/src/i18n/<lang>/errors.ts, which must cover every code listed here (checked
// at compile time). Add a feature's codes in its contract file and list the array below.
import { appErrorCodes } from './contract/app'
import { attestationErrorCodes } from './contract/attestation'
import { hostErrorCodes } from './contract/hosts'
import { ioErrorCodes } from './contract/io'
import { isolationErrorCodes } from './contract/isolation'
import { migrationErrorCodes } from './contract/migration'
import { settingsErrorCodes } from './contract/settings'
import { snapshotErrorCodes } from './contract/snapshots'
import { vmErrorCodes } from './contract/vms'
import type { ErrorPayload } from './contract/vms'

/** Codes the engine reports for a guest the VMM stopped (see src/main/engine/vmm/api.ts VmHalt), and ELF loading. */
export const engineErrorCodes = [
  'GUEST_TRIPLE_FAULT',
  'GUEST_ILLEGAL_STORM',
  'GUEST_WILD_MMIO',
  'ELF_BAD_MAGIC',
  'ENGINE_UNAVAILABLE'
] as const

export const ERROR_CODES = [
  ...appErrorCodes,
  ...attestationErrorCodes,
  ...hostErrorCodes,
  ...ioErrorCodes,
  ...isolationErrorCodes,
  ...migrationErrorCodes,
  ...settingsErrorCodes,
  ...snapshotErrorCodes,
  ...vmErrorCodes,
  ...engineErrorCodes
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export type ErrorParams = Record<string, string | number>

/** An error meant for users: a stable code plus parameters, never a stack trace. */
export class WorkbenchError extends Error {
  constructor(
    readonly code: string,
    readonly params: ErrorParams = {}
  ) {
    super(`${code} ${JSON.stringify(params)}`)
    this.name = 'WorkbenchError'
  }

  toPayload(): ErrorPayload {
    return { code: this.code, params: { ...this.params } }
  }
}

/** Anything with a string `code` and optional params (WorkbenchError, the engine's EngineError) keeps its code;
 * everything else becomes INTERNAL_ERROR so no internals leak to the user. */
export function toErrorPayload(err: unknown): ErrorPayload {
  // Node's system errors (ENOENT, EACCES: they carry errno/syscall) describe our internals, not the user's doing
  const systemError = typeof err === 'object' && err !== null && ('errno' in err || 'syscall' in err)
  if (!systemError && typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(err.code)) {
    const raw = 'params' in err && typeof err.params === 'object' && err.params !== null ? err.params : {}
    const params: ErrorParams = {}
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' || typeof v === 'number') params[k] = v
    return { code: err.code, params }
  }
  return { code: 'INTERNAL_ERROR', params: {} }
}

export function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code)
}
