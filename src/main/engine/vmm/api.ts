// The VMM's public face: what the host worker (and the headless command, labs, migration, snapshots) call.
// Binding contract between vmm/ and its users; implementation lives beside it in vmm/.
import type { MigratableVm } from './vm-state'
import type { VTpm } from '../vtpm'
import type { NicAttachment } from '../devices/net/attach'

export type VirtMode = 'trap-and-emulate' | 'hardware-assisted'
export type NicModel = 'none' | 'emulated' | 'virtio' | 'sriov-vf' | 'vf-failover'

/** Exit reasons, counted per VM (see docs/engine.md). */
export const EXIT_REASONS = [
  'sbi',
  'privileged-insn',
  'shadow-page-fault',
  'pt-write',
  'guest-page-fault-injected',
  'ept-violation',
  'mmio',
  'wfi',
  'timer',
  'external-irq',
  'dirty-log',
  // an exception the guest must handle that did not go to it directly (trap-and-emulate: every ecall from the
  // guest's user mode, breakpoint, illegal instruction; hardware-assisted: illegal instructions)
  'trap-reflected'
] as const
export type ExitReason = (typeof EXIT_REASONS)[number]

export interface VmConfig {
  name: string
  memoryMiB: number
  mode: VirtMode
  nic: NicModel
  vtpm: boolean
  /** Kernel command line written into the guest's `boot_cmdline` symbol (and measured into the vTPM). */
  cmdline?: string
  /** Overrides of the exit cost table (virtual cycles), by cost name. */
  costs?: Record<string, number>
  /** Block compilation in the vCPU (default true; false = interpret only, e.g. to compare). */
  jit?: boolean
}

export interface VmStats {
  instructions: number
  virtualCycles: number
  exits: Record<ExitReason, number>
  /** Virtual cycles spent in exits (their modelled cost). */
  exitCycles: number
  /** Cumulative count of page dirtyings: the first write to each guest page in each dirty-stats epoch (100 ms of
   * virtual time, vm.ts DIRTY_EPOCH_CYCLES), whoever wrote it (guest stores, the VMM on its behalf, device DMA).
   * Counted the same way in both modes, always on, independent of the migration/snapshot dirty log. */
  dirtyPages: number
}

export type VmStepStatus = 'ok' | 'idle' | 'halted' | 'crashed'

export interface VmStepResult {
  executed: number
  status: VmStepStatus
}

/** Why a VM stopped by itself: a finisher/SBI power-off with an exit code, or a crash the VMM contained. */
export interface VmHalt {
  kind: 'poweroff' | 'crash'
  exitCode: number
  /** For crashes: an error code ('GUEST_TRIPLE_FAULT', 'GUEST_ILLEGAL_STORM', 'GUEST_WILD_MMIO', ...) and params. */
  code?: string
  params?: Record<string, string | number>
}

export interface VmInstance extends MigratableVm {
  readonly config: VmConfig
  /** Execute up to `maxInstructions` guest instructions (plus the exits they cause). When the guest waits for an
   * interrupt, virtual time jumps to the next timer event (status 'idle' if nothing is armed, or, paced or on a
   * host network, if it cannot progress now: see pendingInput). */
  step(maxInstructions: number): VmStepResult
  /** Bytes typed on the serial console. */
  sendSerial(bytes: Uint8Array): void
  /** Bytes the guest wrote to its serial console since the last call. */
  drainSerial(): Uint8Array
  stats(): VmStats
  readonly halt: VmHalt | null
  /** ELF symbols (name → address), kept for introspection. */
  readonly symbols: ReadonlyMap<string, number>
  /** Gives the VM its vTPM (for `vtpm: true`; the service creates it with createVmTpm). Attached before the first
   * instruction, the VMM's virtual firmware measures the boot into it at once (and again on every reboot);
   * saveState/loadState carry its state. */
  attachVtpm?(vtpm: VTpm): void
  /** The attached vTPM, or null. */
  readonly vtpm?: VTpm | null
  /** After step() said 'idle' (asleep, or held back by another VM on its host network): true when it can make
   * progress again without serial input (a frame or its own timer is due). */
  pendingInput?(): boolean
  /** Pace idle skipping to wall time (the app's host runtime): a sleeping vCPU's clock never passes `limit()`;
   * null = pure virtual time. */
  setPace?(limit: (() => number) | null): void
  /** The NIC plugged in for config.nic (createVm), or null. */
  readonly nic?: NicAttachment | null
}

/** Creates a VM (implementation in vm.ts): loads `elf`, writes config.cmdline into `boot_cmdline` and enters the
 * guest kernel at `kernel_entry` (or the ELF entry) in virtual S-mode. Throws EngineError for a bad config or ELF. */
export { createVm } from './vm'
