// Turns any error into a translated sentence: a WorkbenchError's code and params through the catalogues,
// anything else into the generic internal error. Never a stack trace.
import { WorkbenchError } from '@shared/errors'
import { grouped } from '../format'
import { i18n } from './index'

export function errorText(err: unknown): string {
  const { t, te } = i18n.global
  if (!(err instanceof WorkbenchError)) return t('errors.INTERNAL_ERROR')
  const params: Record<string, string | number> = { ...err.params }
  if (err.code === 'REQUEST_INVALID') {
    const reason = String(params.reason ?? '')
    params.reason = te(`errors.${reason}`) ? t(`errors.${reason}`) : reason
  }
  if (err.code === 'VM_BAD_STATE' && typeof params.state === 'string' && te(`vms.state.${params.state}`)) {
    params.state = t(`vms.state.${params.state}`)
  }
  if (err.code === 'VM_BAD_STATE' && typeof params.action === 'string' && te(`vms.actions.${params.action}`)) {
    params.action = t(`vms.actions.${params.action}`)
  }
  // engine params that are identifiers, not words: exception cause numbers, access kinds, mode ids
  const word = (param: string, prefix: string): void => {
    const v = params[param]
    if (v !== undefined && te(`${prefix}.${v}`)) params[param] = t(`${prefix}.${v}`)
  }
  // quantities read better grouped (4,096 illegal instructions within 1,048,576)
  for (const q of ['count', 'instructions', 'size', 'filesz', 'memsz', 'length']) {
    const v = params[q]
    if (typeof v === 'number' && Number.isInteger(v)) params[q] = grouped(v)
  }
  if (err.code === 'MIGRATION_VM_NOT_RUNNING') word('state', 'vms.state')
  if (err.code === 'MIGRATION_BLOCKED_PASSTHROUGH') word('kind', 'vms.nic')
  if (err.code === 'GUEST_TRIPLE_FAULT') word('cause', 'trapCause')
  if (err.code === 'GUEST_WILD_MMIO') word('access', 'memAccess')
  if (err.code === 'VMM_STATE_MISMATCH' || err.code === 'VMM_BAD_MODE') {
    word('saved', 'vms.mode')
    word('mode', 'vms.mode')
  }
  return te(`errors.${err.code}`) ? t(`errors.${err.code}`, params) : t('errors.unknown', { code: err.code })
}

/** The translated reason for a halt/crash payload ({ code, params }). */
export function codeText(code: string, params: Record<string, string | number> = {}): string {
  return errorText(new WorkbenchError(code, params))
}
