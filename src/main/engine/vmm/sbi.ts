// The SBI the VMM implements for its guest, as KVM does (RISC-V SBI spec v2.0): legacy console putchar/getchar,
// legacy set_timer and shutdown, BASE, TIME and SRST. Pure decision logic: the caller passes the argument
// registers and an environment that performs the effects.

export const SBI_EXT_LEGACY_SET_TIMER = 0x00
export const SBI_EXT_LEGACY_PUTCHAR = 0x01
export const SBI_EXT_LEGACY_GETCHAR = 0x02
export const SBI_EXT_LEGACY_SHUTDOWN = 0x08
export const SBI_EXT_BASE = 0x10
export const SBI_EXT_TIME = 0x54494d45
export const SBI_EXT_SRST = 0x53525354

export const SBI_SUCCESS = 0
export const SBI_ERR_NOT_SUPPORTED = -2
export const SBI_ERR_INVALID_PARAM = -3

/** SBI spec version we report: 2.0 (major << 24 | minor). */
export const SBI_SPEC_VERSION = 2 << 24
/** Implementation id assigned to KVM in the SBI spec's implementation-id table. */
export const SBI_IMPL_ID_KVM = 3
export const SBI_IMPL_VERSION = 1

const SRST_SHUTDOWN = 0
const SRST_COLD_REBOOT = 1
const SRST_WARM_REBOOT = 2
const SRST_REASON_FAILURE = 1

export interface SbiEnv {
  putchar(byte: number): void
  /** Next typed byte or -1. */
  getchar(): number
  /** Absolute deadline in mtime ticks (10 MHz). */
  setTimer(mtimeDeadline: number): void
  /** Power off; `failure` when the guest reported a system failure. */
  shutdown(failure: boolean): void
  reboot(): void
}

export interface SbiCall {
  eid: number // a7
  fid: number // a6
  args: readonly number[] // a0..a5, unsigned 32-bit
}

export interface SbiResult {
  /** Registers to write back: legacy calls return only a0. */
  a0: number
  a1?: number
  /** The call was forwarded to the user-space VMM (console I/O in KVM RISC-V), costing a user-space round trip. */
  userspace: boolean
  /** Name for logs and the UI. */
  name: string
}

const SUPPORTED = new Set([
  SBI_EXT_LEGACY_SET_TIMER,
  SBI_EXT_LEGACY_PUTCHAR,
  SBI_EXT_LEGACY_GETCHAR,
  SBI_EXT_LEGACY_SHUTDOWN,
  SBI_EXT_BASE,
  SBI_EXT_TIME,
  SBI_EXT_SRST
])

function u64(lo: number, hi: number): number {
  return (hi >>> 0) * 0x1_0000_0000 + (lo >>> 0)
}

export function handleSbi(call: SbiCall, env: SbiEnv): SbiResult {
  const a = call.args
  switch (call.eid) {
    case SBI_EXT_LEGACY_SET_TIMER:
      env.setTimer(u64(a[0], a[1]))
      return { a0: 0, userspace: false, name: 'legacy_set_timer' }
    case SBI_EXT_LEGACY_PUTCHAR:
      env.putchar(a[0] & 0xff)
      return { a0: 0, userspace: true, name: 'legacy_putchar' }
    case SBI_EXT_LEGACY_GETCHAR:
      return { a0: env.getchar() >>> 0, userspace: true, name: 'legacy_getchar' }
    case SBI_EXT_LEGACY_SHUTDOWN:
      env.shutdown(false)
      return { a0: 0, userspace: false, name: 'legacy_shutdown' }
    case SBI_EXT_BASE:
      return base(call.fid, a[0])
    case SBI_EXT_TIME:
      if (call.fid !== 0) return notSupported('time')
      env.setTimer(u64(a[0], a[1]))
      return { a0: SBI_SUCCESS, a1: 0, userspace: false, name: 'set_timer' }
    case SBI_EXT_SRST: {
      if (call.fid !== 0) return notSupported('srst')
      const type = a[0] >>> 0
      if (type === SRST_SHUTDOWN) env.shutdown(a[1] >>> 0 === SRST_REASON_FAILURE)
      else if (type === SRST_COLD_REBOOT || type === SRST_WARM_REBOOT) env.reboot()
      else return { a0: SBI_ERR_INVALID_PARAM >>> 0, a1: 0, userspace: false, name: 'system_reset' }
      return { a0: SBI_SUCCESS, a1: 0, userspace: false, name: 'system_reset' }
    }
    default:
      return notSupported(`ext_${call.eid.toString(16)}`)
  }
}

function base(fid: number, arg: number): SbiResult {
  const ok = (value: number, name: string): SbiResult => ({ a0: SBI_SUCCESS, a1: value >>> 0, userspace: false, name })
  switch (fid) {
    case 0:
      return ok(SBI_SPEC_VERSION, 'get_spec_version')
    case 1:
      return ok(SBI_IMPL_ID_KVM, 'get_impl_id')
    case 2:
      return ok(SBI_IMPL_VERSION, 'get_impl_version')
    case 3:
      return ok(SUPPORTED.has(arg >>> 0) ? 1 : 0, 'probe_extension')
    case 4:
    case 5:
    case 6:
      return ok(0, 'get_machine_id')
    default:
      return notSupported('base')
  }
}

function notSupported(name: string): SbiResult {
  return { a0: SBI_ERR_NOT_SUPPORTED >>> 0, a1: 0, userspace: false, name }
}
