// Hardware-assisted: the guest kernel runs in real S-mode with its own satp, and its own traps are delegated to it
// (medeleg/mideleg), so it handles page faults, system calls and its interrupts without the VMM. Every guest-
// physical access, including the hart's page-table walks, goes through the EPT (ept.ts). The VMM sees only:
// EPT violations (first touch of a RAM page, MMIO to an emulated device, write-protect faults of dirty logging),
// SBI ecalls from S, WFI (mstatus.TW=1), illegal instructions (reflected to the guest), and the timer and
// external interrupts it injects by raising STIP/SEIP.
import { PRIV_S, ACCESS_FETCH } from '../cpu/types'
import { MSTATUS_SIE, MSTATUS_SUM, MSTATUS_MXR, MSTATUS_TW, MIP_STIP, MIP_SEIP, S_INTERRUPTS } from '../cpu/csr'
import { statusOnTrap, type ModeImpl, type VmCore } from './mode'
import { Ept } from './ept'
import { walkGuest } from './sv32'
import { decodeSystem } from './insn'
import { hex } from './guard'

/** Exceptions the guest kernel handles itself: misaligned (0, 4, 6), access faults (1, 5, 7), breakpoint (3),
 * ecall from U (8), page faults (12, 13, 15). Illegal instructions (2) stay with the VMM so that WFI traps
 * (mstatus.TW); the VMM reflects every other illegal instruction. Ecall from S (9) is the SBI. */
export const HW_MEDELEG = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)


export class HwAssistMode implements ModeImpl {
  readonly name = 'hardware-assisted' as const
  readonly ept: Ept

  constructor(private readonly core: VmCore) {
    this.ept = new Ept(core.mem.base, core.mem.ram.length)
    core.mem.onHostWrite = (page) => {
      if (page >= 0) this.ept.noteHostWrite(page)
    }
    // a dirty-log write-protect exit, taken inside the translation: the same cost as the fault path below (the
    // exit, plus the cycle of the store attempt that faulted), then back to the run loop to look at the deadline
    // and interrupts, as after any exit
    this.ept.onLoggedWrite = () => {
      core.charge('dirty-log', core.costs.vmExit)
      core.hart.cycle += 1
      core.hart.yieldLoop()
    }
  }

  get dirtyEvents(): number {
    return this.ept.dirtyEvents
  }

  boot(_entry: number): void {
    const h = this.core.hart
    h.x[10] = 0
    h.x[11] = 0
    h.priv = PRIV_S
    h.mstatus = MSTATUS_TW
    h.medeleg = HW_MEDELEG
    h.mideleg = S_INTERRUPTS
    h.mie = 0
    h.mip = 0
    h.mcounteren = 7 // cycle, time, instret readable by the guest: time is this VM's virtual mtime
    h.satp = 0
    h.stage2 = this.ept
    this.flushTranslations()
  }

  onTrap(cause: number, epc: number, tval: number): void {
    if (cause & 0x80000000) return // M-level interrupts are never enabled in a VM
    const core = this.core
    switch (cause) {
      case 9:
        core.handleSbi(epc)
        return
      case 2: {
        const insn = tval || (this.fetchInsn(epc) ?? 0)
        if (decodeSystem(insn)?.kind === 'wfi' && core.hart.priv === PRIV_S) {
          core.completeInsn(epc)
          core.waitForInterrupt()
          return
        }
        const verdict = core.guard.illegal(core.hart.instret, epc)
        if (verdict) core.crash(verdict.code, verdict.params)
        else this.inject(2, epc, insn)
        return
      }
      case 20:
      case 21:
      case 23:
        this.eptViolation(cause, epc, tval)
        return
      default:
        this.inject(cause, epc, tval)
    }
  }

  private eptViolation(cause: number, epc: number, va: number): void {
    const core = this.core
    const c = core.costs
    const gpa = core.hart.gpa >>> 0
    const page = this.ept.pageOf(gpa)
    switch (this.ept.lastFault) {
      case 'not-present':
        if (core.mem.missing !== null && core.mem.missing[page] === 1) {
          core.charge('ept-violation', c.vmExit)
          core.networkFault(page)
          return
        }
        this.ept.map(page)
        core.charge('ept-violation', c.vmExit + c.eptFill)
        return
      case 'write-protect':
        // (only without ept.onLoggedWrite) no TLB flush: the store that faulted left no store entry for this
        // page, and lifting the write protection widens nothing a cached load or fetch entry holds
        this.ept.logWrite(page)
        core.charge('dirty-log', c.vmExit)
        return
      case 'outside-ram': {
        const access = cause === 20 ? 'fetch' : cause === 21 ? 'load' : 'store'
        if (cause === 20 || !core.isDevice(gpa)) {
          core.wildAccess(gpa, epc, access)
          return
        }
        const insn = this.fetchInsn(epc)
        if (insn === null || !core.emulateDeviceAccess(epc, gpa, insn)) {
          this.inject(cause === 21 ? 5 : 7, epc, va)
          return
        }
        core.charge('mmio', c.vmExit + c.insnEmulation + c.userspaceExit)
        return
      }
      default:
        core.crash('VMM_INTERNAL_ERROR', { message: 'EPT permission fault', gpa: hex(gpa), pc: hex(epc) })
    }
  }

  /** Delivers an exception to the guest kernel as a delegated trap would have been. */
  private inject(cause: number, epc: number, tval: number): void {
    const core = this.core
    const h = core.hart
    if (!core.beginReflect(cause, epc, h.stvec & ~3)) return
    h.scause = cause >>> 0
    h.sepc = epc >>> 0
    h.stval = tval >>> 0
    h.mstatus = statusOnTrap(h.mstatus, h.priv)
    h.setPriv(PRIV_S)
    h.pc = (h.stvec & ~3) >>> 0
  }

  fetchInsn(va: number): number | null {
    const h = this.core.hart
    const ctx = { satp: h.satp, priv: h.priv, sum: (h.mstatus & MSTATUS_SUM) !== 0, mxr: (h.mstatus & MSTATUS_MXR) !== 0 }
    const w = walkGuest(this.core.mem, ctx, va, ACCESS_FETCH, false)
    if (!w.ok || !this.core.mem.isRam(w.gpa) || this.core.mem.isMissing(w.gpa)) return null
    return this.core.mem.read32(w.gpa)
  }

  deliverPending(): void {
    // the hart delivers delegated interrupts itself
  }

  setTimerLevel(level: boolean): void {
    this.core.hart.setInterruptLine(MIP_STIP, level)
  }

  setExternalLevel(level: boolean): void {
    this.core.hart.setInterruptLine(MIP_SEIP, level)
  }

  wakeupPending(): boolean {
    const h = this.core.hart
    return (h.mip & h.mie & S_INTERRUPTS) !== 0
  }

  interruptsMasked(): boolean {
    const h = this.core.hart
    if ((h.mie & S_INTERRUPTS) === 0) return true
    return h.priv === PRIV_S && !(h.mstatus & MSTATUS_SIE)
  }

  dirtyStart(): void {
    this.ept.startDirtyLog()
    this.core.hart.flushTlb()
  }

  dirtyCollect(): Uint32Array {
    const pages = this.ept.collectDirty()
    this.core.hart.flushTlb()
    return pages
  }

  dirtyStop(): void {
    this.ept.stopDirtyLog()
    this.core.hart.flushTlb()
  }

  addDirect(base: number, size: number): void {
    this.ept.addDirect(base, size)
    this.core.hart.flushTlb()
  }

  flushTranslations(): void {
    this.ept.unmapAll()
    this.core.hart.flushTlb()
  }

  save(): Record<string, unknown> {
    return { dirtyLogging: this.ept.dirtyLogging, dirtyEvents: this.ept.dirtyEvents }
  }

  load(s: Record<string, unknown>): void {
    this.core.hart.stage2 = this.ept
    this.flushTranslations()
    if (s.dirtyLogging === true) this.ept.startDirtyLog()
    else this.ept.stopDirtyLog()
    this.ept.dirtyEvents = typeof s.dirtyEvents === 'number' ? s.dirtyEvents : 0
  }
}
