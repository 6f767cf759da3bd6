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

/** Codes the engine reports: a guest the VMM stopped (src/main/engine/vmm/api.ts VmHalt; params in the comments),
 * ELF loading (machine/elf.ts), and a VM or machine refusing its configuration (vmm/vm.ts, vmm/costs.ts). */
export const engineErrorCodes = [
  'GUEST_TRIPLE_FAULT', // { cause, pc, handler }
  'GUEST_ILLEGAL_STORM', // { count, instructions, pc }
  'GUEST_WILD_MMIO', // { gpa, pc, access: fetch | load | store }
  'GUEST_HUNG', // { pc }
  'VMM_INTERNAL_ERROR', // { message, pc }
  'VMM_BAD_MEMORY_SIZE', // { memoryMiB, max }
  'VMM_BAD_MODE', // { mode }
  'VMM_UNKNOWN_COST', // { name }
  'VMM_BAD_COST', // { name, value }
  'VMM_CMDLINE_TOO_LONG', // { length, max }
  'VMM_STATE_MISMATCH', // { saved, mode }
  'MACHINE_BAD_MEMORY_SIZE', // { memoryMiB, max }
  'ELF_TOO_SHORT', // { size }
  'ELF_BAD_MAGIC', // { magic }
  'ELF_NOT_32BIT', // { elfClass }
  'ELF_NOT_LITTLE_ENDIAN', // { encoding }
  'ELF_NOT_RISCV', // { machine }
  'ELF_TRUNCATED', // { what }
  'ELF_BAD_SEGMENT', // { segment, filesz, memsz }
  'ELF_NO_SEGMENTS',
  'ELF_SEGMENT_OUTSIDE_RAM', // { segment, address, size }
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
