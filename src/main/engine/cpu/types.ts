// The contract between the vCPU (cpu/), the machine (machine/) and the VMM (vmm/).
//
// The vCPU is a plain RV32IMA + Zicsr + Zifencei hart with M, S and U modes and Sv32 paging. It knows nothing
// about virtualization. The VMM virtualizes a guest with it in two ways (see docs/engine.md):
//   - trap-and-emulate: the guest kernel runs in real U-mode on a shadow page table the VMM keeps in host memory;
//     every trap goes to the VMM through `hostTrap` (the VMM plays the role of M-mode).
//   - hardware-assisted: the guest kernel runs in real S-mode with its own satp; guest-physical addresses are
//     translated again by a second stage (`stage2`, the VMM's EPT). Stage-2 faults and non-delegated traps go to
//     the VMM through `hostTrap`.
// In bare-metal mode (ISA tests, the QEMU-compatible run) neither hook is set and traps vector to mtvec as usual.

/** Privilege levels as encoded in mstatus.MPP. */
export const PRIV_U = 0
export const PRIV_S = 1
export const PRIV_M = 3

/** Access kinds for translation. */
export const ACCESS_FETCH = 0
export const ACCESS_LOAD = 1
export const ACCESS_STORE = 2
export type AccessKind = 0 | 1 | 2

/** Exception causes (mcause without the interrupt bit). 20/21/23 are the H-extension guest-page faults, which
 * our stage 2 raises (they are never delivered to the guest: they always go to the VMM). */
export const enum Cause {
  InsnMisaligned = 0,
  InsnAccessFault = 1,
  IllegalInsn = 2,
  Breakpoint = 3,
  LoadMisaligned = 4,
  LoadAccessFault = 5,
  StoreMisaligned = 6,
  StoreAccessFault = 7,
  EcallU = 8,
  EcallS = 9,
  EcallM = 11,
  InsnPageFault = 12,
  LoadPageFault = 13,
  StorePageFault = 15,
  InsnGuestPageFault = 20,
  LoadGuestPageFault = 21,
  StoreGuestPageFault = 23
}

/** Interrupt numbers (mcause with the interrupt bit set, mip/mie bit positions). */
export const enum Irq {
  SSoft = 1,
  MSoft = 3,
  STimer = 5,
  MTimer = 7,
  SExt = 9,
  MExt = 11
}

/** Physical memory and devices as the hart sees them. RAM accesses should take a fast path (the hart may keep
 * direct references to the RAM buffer); everything else is MMIO. Addresses are unsigned 32-bit numbers. */
export interface Bus {
  /** Returns the value (zero-extended) or throws BusError for an unmapped address. */
  read(addr: number, size: 1 | 2 | 4): number
  write(addr: number, size: 1 | 2 | 4, value: number): void
  /** The RAM region (host-physical). */
  readonly ramBase: number
  readonly ram: Uint8Array
}

/** Second-stage translation (the VMM's EPT). Given a guest-physical address, returns the host-physical address,
 * or -1 after which the hart raises the matching guest-page fault (20/21/23) with mtval = the guest virtual
 * address and `hart.gpa` = the faulting guest-physical address. Implementations set accessed/dirty bits. */
export interface Stage2 {
  translate(gpa: number, access: AccessKind): number
}

/** Called instead of vectoring to mtvec when the hart takes a trap whose target is M-mode and a host handler is
 * installed. `cause` has the interrupt bit (0x80000000) set for interrupts. `epc` is the pc of the trapping
 * instruction (or the next instruction to run, for interrupts); `tval` as mtval would be. The handler edits the
 * hart (registers, pc, privilege, CSRs) to decide what runs next: that is a VM exit. */
export type HostTrapHandler = (cause: number, epc: number, tval: number) => void

/** Everything needed to resume a hart exactly: used by snapshots and live migration. Plain data only. */
export interface HartState {
  x: number[] // 32 integer registers (x0 = 0), as unsigned 32-bit numbers
  pc: number
  priv: number
  csr: Record<string, number> // by CSR name (mstatus, mie, mip, mtvec, mepc, mcause, mtval, satp, ...)
  reservation: number // LR/SC reservation address or -1
  instret: number
  cycle: number
  wfi: boolean
}

/** Why `run` returned. */
export const enum StopReason {
  Budget = 0, // executed the requested number of instructions
  Wfi = 1, // hart is waiting for an interrupt
  Requested = 2, // someone called requestStop()
  Halted = 3 // the machine was powered off (finisher / SBI reset)
}
