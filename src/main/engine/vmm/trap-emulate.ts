// Trap-and-emulate: the guest kernel runs in real U-mode with nothing delegated, so every privileged instruction,
// every ecall and every page fault leaves the guest and lands here. The VMM keeps the guest's supervisor state
// (virtual privilege, sstatus bits, stvec, sepc, scause, stval, sscratch, satp, sie/sip, scounteren) in software,
// emulates what trapped, and injects the guest's own traps and interrupts by vectoring to its virtual stvec.
// Memory goes through shadow Sv32 tables (shadow.ts) built on hidden page faults from the guest's own tables,
// whose pages are write-protected so that every guest PTE store exits and is emulated.
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PRIV_S, PRIV_U, type AccessKind } from '../cpu/types'
import { CSR, MSTATUS_MXR, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_SUM, MSTATUS_TW, SSTATUS_MASK, MIP_SSIP, MIP_STIP, MIP_SEIP, S_INTERRUPTS, IRQ_PRIORITY } from '../cpu/csr'
import { CYCLES_PER_MTIME_TICK } from '../machine/board'
import { statusOnTrap, type ModeImpl, type VmCore } from './mode'
import { ShadowMmu, CTX_S, CTX_U } from './shadow'
import { walkGuest, PTE_D, PTE_R, PTE_U, PTE_W, PTE_X, SATP_MODE_SV32, type WalkContext } from './sv32'
import { decodeSystem, decodeMem, amoResult, type SystemInsn } from './insn'
import { PAGE_SIZE } from './vm-state'

/** Host pages reserved after guest RAM for shadow page tables (1 MiB: two roots and 254 leaf tables, each
 * covering 4 MiB of guest-virtual space; when they run out every shadow table is dropped and rebuilt). */
export const SHADOW_POOL_PAGES = 256

const ROOT_ROLE = -1
const S_IRQ_ORDER = IRQ_PRIORITY.filter((i) => (S_INTERRUPTS >>> i) & 1)
const ACCESS_OF: Record<number, AccessKind> = { 12: ACCESS_FETCH, 13: ACCESS_LOAD, 15: ACCESS_STORE }
const ACCESS_FAULT_OF: Record<number, number> = { 12: 1, 13: 5, 15: 7 }

type CsrInsn = Extract<SystemInsn, { kind: 'csr' }>

export class TrapEmulateMode implements ModeImpl {
  readonly name = 'trap-and-emulate' as const
  private readonly shadow: ShadowMmu
  // virtual supervisor state
  private vpriv = PRIV_S
  private status = 0
  private stvec = 0
  private sepc = 0
  private scause = 0
  private stval = 0
  private sscratch = 0
  private satp = 0
  private sie = 0
  private ssip = 0
  private scounteren = 0
  private stip = false
  private seip = false
  /** Guest page-table pages (guest page numbers) → the roles they were seen in: ROOT_ROLE, or the vpn1 of the
   * 4 MiB region a leaf table maps. Their shadow mappings are read-only so guest PTE stores exit. */
  private ptRoles = new Map<number, Set<number>>()
  // dirty tracking by write protection
  private tracking = false
  private dirty: Uint8Array
  dirtyEvents = 0
  /** Device pages mapped straight into the guest (Vm.mapDirect): their shadow leaves point at the device on the
   * hart's bus, so guest accesses do not exit (only the first one, which fills the shadow). */
  private readonly direct: { base: number; end: number }[] = []

  constructor(private readonly core: VmCore) {
    const mem = core.mem
    this.shadow = new ShadowMmu(mem.bus.ram, mem.base, mem.ram.length, SHADOW_POOL_PAGES)
    this.dirty = new Uint8Array(mem.pages)
    mem.onHostWrite = (page) => this.markDirty(page)
  }

  boot(_entry: number): void {
    const h = this.core.hart
    h.x[10] = 0
    h.x[11] = 0
    h.mstatus = MSTATUS_TW
    h.medeleg = 0
    h.mideleg = 0
    h.mie = 0
    h.mcounteren = 0
    this.vpriv = PRIV_S
    this.status = 0
    this.stvec = this.sepc = this.scause = this.stval = this.sscratch = this.satp = 0
    this.sie = this.ssip = this.scounteren = 0
    this.stip = this.seip = false
    this.flushTranslations()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Exits

  onTrap(cause: number, epc: number, tval: number): void {
    if (cause & 0x80000000) return // no real interrupt is enabled in this mode
    switch (cause) {
      case 2:
        this.illegal(epc, tval || (this.fetchInsn(epc) ?? 0))
        break
      case 8:
        if (this.vpriv === PRIV_S) this.core.handleSbi(epc)
        else this.reflect(8, epc, 0)
        break
      case 12:
      case 13:
      case 15:
        this.pageFault(cause, epc, tval)
        break
      default:
        this.reflect(cause, epc, tval)
    }
    this.deliverPending()
  }

  private illegal(epc: number, insn: number): void {
    const d = decodeSystem(insn)
    if (d?.kind === 'csr' && this.emulateCsr(d, epc)) return
    if (d !== null && this.vpriv === PRIV_S) {
      const h = this.core.hart
      const c = this.core.costs
      if (d.kind === 'sret') {
        this.sret()
        this.core.charge('privileged-insn', c.vmExit + c.insnEmulation)
        return
      }
      if (d.kind === 'sfence') {
        if (d.rs1 !== 0) this.shadow.zapPage(h.x[d.rs1] >>> 0)
        h.flushTlb()
        this.core.completeInsn(epc)
        this.core.charge('privileged-insn', c.vmExit + c.insnEmulation)
        return
      }
      if (d.kind === 'wfi') {
        this.core.completeInsn(epc)
        this.core.waitForInterrupt()
        return
      }
    }
    const verdict = this.core.guard.illegal(this.core.hart.instret, epc)
    if (verdict) this.core.crash(verdict.code, verdict.params)
    else this.reflect(2, epc, insn)
  }

  private emulateCsr(d: CsrInsn, epc: number): boolean {
    const num = d.csr
    const isCounter = (num >= 0xc00 && num <= 0xc1f) || (num >= 0xc80 && num <= 0xc9f)
    if (isCounter) {
      if (this.vpriv === PRIV_U && !((this.scounteren >>> (num & 31)) & 1)) return false
    } else if (((num >>> 8) & 3) > this.vpriv) return false
    const writes = d.op === 'rw' || d.src !== 0
    if (writes && num >>> 10 === 3) return false
    const old = this.readCsr(num)
    if (old === undefined) return false
    const h = this.core.hart
    if (writes) {
      const operand = d.imm ? d.src : h.x[d.src] >>> 0
      this.writeCsr(num, (d.op === 'rw' ? operand : d.op === 'rs' ? old | operand : old & ~operand) >>> 0)
    }
    if (d.rd !== 0) h.x[d.rd] = old | 0
    this.core.completeInsn(epc)
    this.core.charge('privileged-insn', this.core.costs.vmExit + this.core.costs.insnEmulation)
    return true
  }

  private sip(): number {
    return this.ssip | (this.stip ? MIP_STIP : 0) | (this.seip ? MIP_SEIP : 0)
  }

  private readCsr(num: number): number | undefined {
    const h = this.core.hart
    const hi = num >= 0xc80
    const split = (v: number): number => (hi ? Math.floor(v / 0x1_0000_0000) : v % 0x1_0000_0000) >>> 0
    switch (num) {
      case CSR.sstatus:
        return this.status & SSTATUS_MASK
      case CSR.sie:
        return this.sie
      case CSR.stvec:
        return this.stvec
      case CSR.scounteren:
        return this.scounteren
      case CSR.senvcfg:
        return 0
      case CSR.sscratch:
        return this.sscratch
      case CSR.sepc:
        return this.sepc
      case CSR.scause:
        return this.scause
      case CSR.stval:
        return this.stval
      case CSR.sip:
        return this.sip()
      case CSR.satp:
        return this.satp
      case CSR.cycle:
      case CSR.cycleh:
        return split(h.now())
      case CSR.time:
      case CSR.timeh:
        return split(Math.floor(h.now() / CYCLES_PER_MTIME_TICK))
      case CSR.instret:
      case CSR.instreth:
        return split(h.instret)
      default:
        return undefined
    }
  }

  private writeCsr(num: number, v: number): void {
    switch (num) {
      case CSR.sstatus: {
        const old = this.status
        this.status = v & SSTATUS_MASK
        // shadow permissions of virtual S depend on SUM and MXR
        if ((old ^ this.status) & (MSTATUS_SUM | MSTATUS_MXR)) this.flushShadow(false)
        break
      }
      case CSR.sie:
        this.sie = v & S_INTERRUPTS
        break
      case CSR.stvec:
        this.stvec = v & ~2
        break
      case CSR.scounteren:
        this.scounteren = v & 7
        break
      case CSR.sscratch:
        this.sscratch = v
        break
      case CSR.sepc:
        this.sepc = v & ~3
        break
      case CSR.scause:
        this.scause = v
        break
      case CSR.stval:
        this.stval = v
        break
      case CSR.sip:
        this.ssip = v & MIP_SSIP
        break
      case CSR.satp:
        // a new guest address space: rebuild the shadow from scratch. The same root written again (a kernel
        // switching back to the process it left) keeps it: every guest page-table page the shadow was built
        // from is write-protected, so its entries are still what the guest's tables say.
        if ((v >>> 0) === (this.satp >>> 0)) break
        this.satp = v
        this.flushShadow(true)
        break
    }
  }

  private sret(): void {
    const s = this.status
    this.vpriv = s & MSTATUS_SPP ? PRIV_S : PRIV_U
    let ns = s & ~(MSTATUS_SIE | MSTATUS_SPP)
    if (s & MSTATUS_SPIE) ns |= MSTATUS_SIE
    this.status = ns | MSTATUS_SPIE
    this.core.hart.pc = this.sepc >>> 0
    this.core.hart.instret++
    this.core.guard.returned()
    this.enterContext()
  }

  /** Vectors the guest to its trap handler as the hardware would have (cause, epc, tval). */
  private reflect(cause: number, epc: number, tval: number): void {
    if (!this.core.beginReflect(cause, epc, this.stvec & ~3)) return
    this.enterTrap(cause, epc, tval, this.stvec & ~3)
  }

  private enterTrap(cause: number, epc: number, tval: number, target: number): void {
    this.sepc = epc >>> 0
    this.scause = cause >>> 0
    this.stval = tval >>> 0
    this.status = statusOnTrap(this.status, this.vpriv)
    this.vpriv = PRIV_S
    this.core.hart.pc = target >>> 0
    this.enterContext()
  }

  deliverPending(): void {
    const pending = this.sip() & this.sie
    if (pending === 0 || (this.vpriv === PRIV_S && !(this.status & MSTATUS_SIE))) return
    for (const irq of S_IRQ_ORDER) {
      if (pending & (1 << irq)) {
        const base = this.stvec & ~3
        this.enterTrap((0x80000000 | irq) >>> 0, this.core.hart.pc, 0, (this.stvec & 3) === 1 ? base + 4 * irq : base)
        return
      }
    }
  }

  setTimerLevel(level: boolean): void {
    this.stip = level
  }

  setExternalLevel(level: boolean): void {
    this.seip = level
  }

  wakeupPending(): boolean {
    return (this.sip() & this.sie) !== 0
  }

  interruptsMasked(): boolean {
    return this.sie === 0 || (this.vpriv === PRIV_S && !(this.status & MSTATUS_SIE))
  }

  // ---------------------------------------------------------------------------------------------------------
  // Memory: hidden page faults, shadow fills, page-table writes, MMIO

  private walkContext(): WalkContext {
    return { satp: this.satp, priv: this.vpriv, sum: (this.status & MSTATUS_SUM) !== 0, mxr: (this.status & MSTATUS_MXR) !== 0 }
  }

  fetchInsn(va: number): number | null {
    const w = walkGuest(this.core.mem, this.walkContext(), va, ACCESS_FETCH, false)
    if (!w.ok || !this.core.mem.isRam(w.gpa) || this.core.mem.isMissing(w.gpa)) return null
    return this.core.mem.read32(w.gpa)
  }

  private pageFault(cause: number, epc: number, va: number): void {
    const core = this.core
    const mem = core.mem
    const c = core.costs
    const access = ACCESS_OF[cause]
    const w = walkGuest(mem, this.walkContext(), va, access, true)
    if (!w.ok) {
      if (w.fault === 'missing') {
        core.charge('shadow-page-fault', c.vmExit)
        core.networkFault(mem.pageOf(w.gpa))
      } else if (w.fault === 'page') this.reflect(cause, epc, va)
      else this.reflect(ACCESS_FAULT_OF[cause], epc, va)
      return
    }
    this.notePageTables(w.tables, va)
    const gpa = w.gpa
    const page = mem.pageOf(gpa)
    if (page < 0) {
      if (this.isDirect(gpa)) this.fillDirect(va, gpa, w.pte)
      else this.mmio(cause, epc, va, gpa)
      return
    }
    if (mem.missing !== null && mem.missing[page] === 1) {
      core.charge('shadow-page-fault', c.vmExit)
      core.networkFault(page)
      return
    }
    const ppn = gpa >>> 12
    if (access === ACCESS_STORE && this.ptRoles.has(ppn)) {
      this.pageTableWrite(epc, gpa, ppn)
      return
    }
    let dirtyFault = false
    if (access === ACCESS_STORE && this.tracking && !this.dirty[page]) {
      this.markDirty(page)
      dirtyFault = true
    }
    const flushed = !this.shadow.map(this.vpriv === PRIV_U ? CTX_U : CTX_S, va & ~0xfff, gpa & ~0xfff, this.shadowPerms(w.pte, ppn, page))
    if (flushed) this.ptRoles.clear()
    core.hart.flushTlb()
    if (dirtyFault) core.charge('dirty-log', c.vmExit)
    else core.charge('shadow-page-fault', c.vmExit + c.shadowPageFill)
  }

  addDirect(base: number, size: number): void {
    this.direct.push({ base: base >>> 0, end: (base >>> 0) + size })
  }

  private isDirect(gpa: number): boolean {
    for (const d of this.direct) if (gpa >= d.base && gpa < d.end) return true
    return false
  }

  /** A hidden fault on a directly mapped device page: one shadow leaf guest-virtual → the device's page (read
   * and write as the guest's PTE allows, never execute); later accesses reach the device with no exit. */
  private fillDirect(va: number, gpa: number, pte: number): void {
    const core = this.core
    let perms = PTE_R | PTE_W
    if (this.satp & SATP_MODE_SV32) perms = (pte & PTE_R ? PTE_R : 0) | (pte & PTE_W ? PTE_W : 0)
    const flushed = !this.shadow.map(this.vpriv === PRIV_U ? CTX_U : CTX_S, va & ~0xfff, gpa & ~0xfff, perms)
    if (flushed) this.ptRoles.clear()
    core.hart.flushTlb()
    core.charge('shadow-page-fault', core.costs.vmExit + core.costs.shadowPageFill)
  }

  /** Permissions of the shadow leaf for a guest leaf `pte`, at the current virtual privilege. */
  private shadowPerms(pte: number, ppn: number, page: number): number {
    let perms: number
    if ((this.satp & SATP_MODE_SV32) === 0) perms = PTE_R | PTE_W | PTE_X
    else {
      const mxr = (this.status & MSTATUS_MXR) !== 0
      perms = 0
      if (pte & PTE_R || (mxr && pte & PTE_X)) perms |= PTE_R
      if (pte & PTE_W && pte & PTE_D) perms |= PTE_W
      // virtual S never executes user pages
      if (pte & PTE_X && !(this.vpriv === PRIV_S && pte & PTE_U)) perms |= PTE_X
    }
    if (this.ptRoles.has(ppn) || (this.tracking && !this.dirty[page])) perms &= ~PTE_W
    return perms
  }

  /** Remembers the guest page-table pages a walk went through; newly seen ones lose write access in the shadow. */
  private notePageTables(tables: number[], va: number): void {
    for (let i = 0; i < tables.length; i++) {
      const ppn = tables[i]
      const role = i === 0 ? ROOT_ROLE : va >>> 22
      let roles = this.ptRoles.get(ppn)
      if (!roles) {
        this.ptRoles.set(ppn, (roles = new Set()))
        if (this.shadow.writeProtect(ppn)) this.core.hart.flushTlb()
      }
      roles.add(role)
    }
  }

  /** The guest stored into one of its page tables: do the store, then drop the shadow entries it affects. */
  private pageTableWrite(epc: number, gpa: number, ppn: number): void {
    const core = this.core
    const h = core.hart
    const d = decodeMem(this.fetchInsn(epc) ?? 0)
    if (d === null || d.kind === 'load') {
      this.reflect(7, epc, gpa)
      return
    }
    if (d.kind === 'store') core.mem.write(gpa, d.size, h.x[d.rs2] >>> 0)
    else if (d.op === 'sc') {
      // The trap dropped the hart's reservation. On our single hart only the VMM itself (an A/D update in a
      // hidden fault) could have written the word since the guest's lr; we let the sc succeed, otherwise an
      // lr/sc loop on a write-protected page table would fail and retry forever.
      core.mem.write32(gpa & ~3, h.x[d.rs2] >>> 0)
      if (d.rd !== 0) h.x[d.rd] = 0
    } else {
      const word = gpa & ~3
      const old = core.mem.read32(word)
      core.mem.write32(word, amoResult(d.op, old, h.x[d.rs2] >>> 0))
      if (d.rd !== 0) h.x[d.rd] = old | 0
    }
    const index = (gpa & 0xfff) >>> 2
    for (const role of this.ptRoles.get(ppn) ?? []) {
      if (role === ROOT_ROLE) this.shadow.zapRegion(index)
      else this.shadow.zapPage(((role << 22) | (index << 12)) >>> 0)
    }
    h.flushTlb()
    this.core.completeInsn(epc)
    core.charge('pt-write', core.costs.vmExit + core.costs.insnEmulation)
  }

  private mmio(cause: number, epc: number, va: number, gpa: number): void {
    const core = this.core
    const c = core.costs
    if (cause === 12) {
      this.reflect(1, epc, va)
      return
    }
    if (!core.isDevice(gpa)) {
      core.wildAccess(gpa, epc, cause === 13 ? 'load' : 'store')
      return
    }
    const insn = this.fetchInsn(epc)
    if (insn === null || !core.emulateDeviceAccess(epc, gpa, insn)) {
      this.reflect(ACCESS_FAULT_OF[cause], epc, va)
      return
    }
    core.charge('mmio', c.vmExit + c.insnEmulation + c.userspaceExit)
  }

  /** Points the hart at the shadow table of the current virtual privilege. */
  private enterContext(): void {
    const h = this.core.hart
    h.satp = this.shadow.satpFor(this.vpriv === PRIV_U ? CTX_U : CTX_S)
    h.priv = PRIV_U
    h.flushTlb()
  }

  /** Drops shadow entries; with `newSpace` also forgets which pages were page tables (new satp). */
  private flushShadow(newSpace: boolean): void {
    this.shadow.flushAll()
    if (newSpace) this.ptRoles.clear()
    this.enterContext()
  }

  flushTranslations(): void {
    this.flushShadow(true)
  }

  // ---------------------------------------------------------------------------------------------------------
  // Dirty log (write-protection faults)

  private markDirty(page: number): void {
    if (!this.tracking || page < 0 || this.dirty[page]) return
    this.dirty[page] = 1
    this.dirtyEvents++
  }

  dirtyStart(): void {
    this.tracking = true
    this.dirty.fill(0)
    this.shadow.writeProtectAll()
    this.core.hart.flushTlb()
  }

  dirtyCollect(): Uint32Array {
    const out: number[] = []
    const basePpn = this.core.mem.base / PAGE_SIZE
    for (let i = 0; i < this.dirty.length; i++) {
      if (this.dirty[i]) {
        out.push(i)
        this.dirty[i] = 0
        this.shadow.writeProtect(basePpn + i)
      }
    }
    this.core.hart.flushTlb()
    return Uint32Array.from(out)
  }

  dirtyStop(): void {
    this.tracking = false
  }

  // ---------------------------------------------------------------------------------------------------------
  // State

  save(): Record<string, unknown> {
    return {
      vpriv: this.vpriv,
      status: this.status,
      stvec: this.stvec,
      sepc: this.sepc,
      scause: this.scause,
      stval: this.stval,
      sscratch: this.sscratch,
      satp: this.satp,
      sie: this.sie,
      ssip: this.ssip,
      scounteren: this.scounteren,
      stip: this.stip,
      seip: this.seip,
      tracking: this.tracking,
      dirtyEvents: this.dirtyEvents
    }
  }

  load(s: Record<string, unknown>): void {
    const n = (k: string): number => (typeof s[k] === 'number' ? (s[k] as number) : 0)
    this.vpriv = n('vpriv')
    this.status = n('status')
    this.stvec = n('stvec')
    this.sepc = n('sepc')
    this.scause = n('scause')
    this.stval = n('stval')
    this.sscratch = n('sscratch')
    this.satp = n('satp')
    this.sie = n('sie')
    this.ssip = n('ssip')
    this.scounteren = n('scounteren')
    this.stip = s.stip === true
    this.seip = s.seip === true
    this.tracking = s.tracking === true
    this.dirty.fill(0)
    this.dirtyEvents = n('dirtyEvents')
    this.flushTranslations()
    if (this.tracking) this.shadow.writeProtectAll()
  }
}
