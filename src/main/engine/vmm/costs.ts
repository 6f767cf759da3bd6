// The price list of virtualization, in virtual cycles (1 GHz nominal: 1 cycle = 1 ns). Every VM exit is charged
// `vmExit` (the hardware/VMM round trip) plus the work its handler does, each a constant below. Every default
// names the published measurement it comes from; the UI and config.costs may override any of them by name.
import { EngineError } from '../errors'

export interface CostTable {
  /** One VM exit + VM entry round trip with a trivial in-kernel handler. kvm-unit-tests x86/vmexit.c `cpuid`
   * (exit, KVM handles CPUID, re-enter) is reported on the KVM list at about 1,000–1,500 cycles on recent VMX
   * parts; the SplitX paper (Landau, Ben-Yehuda, Gordon, WIOV 2011, Table 1) measured the direct cost at
   * "2,000 cycles". We take the upper end of the KVM figure. */
  vmExit: number
  /** Decoding and emulating one trapped instruction in the hypervisor, beyond the exit itself. kvm-unit-tests
   * vmexit results posted on the KVM list (nested run): `inl_from_kernel` 13,518 vs `cpuid` 13,142 cycles, i.e.
   * ~400 cycles for KVM's in-kernel instruction emulator to decode and complete a port read. */
  insnEmulation: number
  /** Handing an exit to the user-space device model (QEMU) and back, beyond the exit itself: an MMIO access to an
   * emulated device, or an SBI console call that KVM RISC-V forwards to user space (KVM_EXIT_RISCV_SBI).
   * An NVMe doorbell MMIO write under QEMU/FEMU measured 5.7 µs median (MoatLab/FEMU issue #69); the KVM_RUN
   * ioctl round trip alone measured 2,528 cycles on SVM (LKML, Dec 2020, "KVM: SVM: use vmsave/vmload for
   * saving/restoring additional host state"). We charge 5,700 cycles = 5.7 µs at 1 GHz. */
  userspaceExit: number
  /** Filling one shadow page-table entry on a hidden page fault (walk the guest table, set guest A/D, build the
   * shadow PTE), beyond the exit. Patterson & Hennessy, Computer Organization and Design 5th ed., exercise 5.14,
   * use 30,000 cycles of "shadowing page fault overhead"; minus our exit round trip that leaves 28,500. */
  shadowPageFill: number
  /** Mapping one guest page on an EPT violation (KVM tdp_page_fault: look up the memslot, pin the host page,
   * install the EPT entry), beyond the exit. We found no single published figure; we use the SplitX direct exit
   * cost (2,000 cycles) as the work, which makes a first-touch EPT fault cost about two exits. */
  eptFill: number
  /** Handling an SBI call in the kernel (timer, base, reset) beyond the exit: as cheap as an emulated
   * instruction (same kvm-unit-tests source as insnEmulation). */
  sbiHandler: number
}

export const DEFAULT_COSTS: Readonly<CostTable> = Object.freeze({
  vmExit: 1500,
  insnEmulation: 400,
  userspaceExit: 5700,
  shadowPageFill: 28500,
  eptFill: 2000,
  sbiHandler: 400
})

export const COST_NAMES = Object.keys(DEFAULT_COSTS) as (keyof CostTable)[]

/** The defaults with `overrides` applied. Unknown names and negative or non-finite values are rejected. */
export function resolveCosts(overrides?: Record<string, number>): CostTable {
  const table: CostTable = { ...DEFAULT_COSTS }
  if (!overrides) return table
  for (const [name, value] of Object.entries(overrides)) {
    if (!(COST_NAMES as string[]).includes(name)) {
      throw new EngineError('VMM_UNKNOWN_COST', `unknown exit cost "${name}"`, { name })
    }
    if (!Number.isFinite(value) || value < 0) {
      throw new EngineError('VMM_BAD_COST', `exit cost "${name}" must be a number >= 0`, { name, value: String(value) })
    }
    table[name as keyof CostTable] = Math.round(value)
  }
  return table
}
