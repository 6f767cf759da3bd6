// The seam between the VM (vm.ts: devices, SBI, virtual time, the run loop) and a virtualization mode
// (trap-emulate.ts, hw-assist.ts: how the guest kernel is deprivileged and how its memory is translated).
import type { Hart } from '../cpu/hart'
import type { CostTable } from './costs'
import type { ExitReason, VirtMode } from './api'
import type { GuestMemory } from './guest-mem'
import type { Guard } from './guard'
import { MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP } from '../cpu/csr'
import { PRIV_S } from '../cpu/types'

/** sstatus (mstatus layout) after a trap is taken into S-mode from privilege `from`: SPIE = SIE, SIE = 0,
 * SPP = from. */
export function statusOnTrap(status: number, from: number): number {
  let s = status & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP)
  if (status & MSTATUS_SIE) s |= MSTATUS_SPIE
  if (from === PRIV_S) s |= MSTATUS_SPP
  return s
}

/** What a mode may ask of its VM. */
export interface VmCore {
  readonly hart: Hart
  readonly mem: GuestMemory
  readonly costs: CostTable
  readonly guard: Guard
  /** Counts one exit and advances virtual time by its cost. */
  charge(reason: ExitReason, cost: number): void
  /** Answers the SBI call in a0..a7 and resumes after the ecall at `epc` (charges the 'sbi' exit). */
  handleSbi(epc: number): void
  /** The VMM carried out the trapped instruction at `epc` for the guest: it retires, the guest continues after it. */
  completeInsn(epc: number): void
  /** Whether a device is mapped at guest-physical `gpa`. */
  isDevice(gpa: number): boolean
  /** Performs the load/store/AMO `insn` (at `epc`) on the device at `gpa` and resumes after it. Returns false
   * when `insn` is not an access the VMM can emulate on a device. Does not charge: the caller does. */
  emulateDeviceAccess(epc: number, gpa: number, insn: number): boolean
  /** An exception is about to be delivered to the guest's handler at `handler`: counts the exit and asks the
   * containment guard. Returns false (and has crashed the VM) when the guest is looping in its trap handler. */
  beginReflect(cause: number, epc: number, handler: number): boolean
  /** The guest touched a guest-physical address with neither RAM nor a device: crash GUEST_WILD_MMIO. */
  wildAccess(gpa: number, epc: number, access: 'fetch' | 'load' | 'store'): void
  /** Halts this VM only, with a code the UI translates. */
  crash(code: string, params: Record<string, string | number>): void
  /** Post-copy: the guest touched a page that has not arrived; runFor ends early. */
  networkFault(page: number): void
  /** The guest executed WFI (already resumed after it): idle until an interrupt is pending. */
  waitForInterrupt(): void
}

/** A virtualization mode. */
export interface ModeImpl {
  readonly name: VirtMode
  /** Puts the hart in the state to enter the guest kernel at `entry` in (virtual) S-mode, a0 = a1 = 0. */
  boot(entry: number): void
  /** The hart's host trap hook: a trap that left the guest. */
  onTrap(cause: number, epc: number, tval: number): void
  /** Level of the guest's supervisor timer interrupt (SBI set_timer deadline reached). */
  setTimerLevel(level: boolean): void
  /** Level of the guest's supervisor external interrupt (PLIC context 1). */
  setExternalLevel(level: boolean): void
  /** Called between instructions: deliver a pending, enabled virtual interrupt now (trap-and-emulate injects
   * it; in hardware-assisted mode the hart does this itself). */
  deliverPending(): void
  /** An interrupt is pending and enabled in sie (what wakes WFI, regardless of sstatus.SIE). */
  wakeupPending(): boolean
  /** No interrupt could be delivered to the guest right now (masked by sstatus.SIE or sie). */
  interruptsMasked(): boolean
  /** The instruction word at guest-virtual `va` as the guest would fetch it, or null if unmapped. */
  fetchInsn(va: number): number | null
  /** First stores to clean pages seen by the dirty tracker. */
  readonly dirtyEvents: number
  dirtyStart(): void
  dirtyCollect(): Uint32Array
  dirtyStop(): void
  /** Lets guest accesses to [base, base+size) (a device page outside RAM, on the hart's bus) reach it without an
   * exit: an identity EPT window (hardware-assisted) or shadow leaves pointing at it (trap-and-emulate). */
  addDirect(base: number, size: number): void
  /** Drops every cached translation (after loadState, at the start of post-copy). */
  flushTranslations(): void
  save(): Record<string, unknown>
  load(state: Record<string, unknown>): void
}
