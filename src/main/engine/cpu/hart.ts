// The RV32IMA + Zicsr + Zifencei hart: M/S/U, Sv32 with hardware A/D updates, precise traps, delegation,
// interrupts, and the two virtualization hooks of types.ts (stage2, hostTrap).
//
// Speed habits (after TinyEMU): an interpreter loop over locals, three direct-mapped soft TLBs (fetch, load,
// store) holding the offset from a virtual page to its place in the RAM array, traps as a thrown sentinel
// (never on the fast path), and interrupt checks only between runs of the inner loop (which ends at every SYSTEM
// instruction, at the timer deadline and when a device raises an enabled interrupt). Instructions are fetched
// from RAM on every execution, so self-modifying code and fence.i need no invalidation.
import {
  PRIV_M as PRIV_M_,
  PRIV_S as PRIV_S_,
  PRIV_U as PRIV_U_,
  ACCESS_FETCH as ACCESS_FETCH_,
  ACCESS_LOAD as ACCESS_LOAD_,
  ACCESS_STORE as ACCESS_STORE_,
  StopReason,
  type AccessKind,
  type Bus,
  type HartState,
  type HostTrapHandler,
  type Stage2
} from './types'
import { BusError } from './bus-error'
import * as MD from './muldiv'
import { compileBlock, type Block, type BlockFn } from './jit'
import * as CSR_MODULE from './csr'

/** A page whose blocks were thrown away this often (code and hot data sharing a page) is interpreted from then on. */
const JIT_GIVE_UP = 16
const NOT_COMPILED: BlockFn = () => 0
/** Direct-mapped front of the block map, indexed by (pc >> 2) & BLOCK_CACHE_MASK. */
const BLOCK_CACHE_SIZE = 4096
const BLOCK_CACHE_MASK = BLOCK_CACHE_SIZE - 1

// Module-local copies: some transpilers turn imported bindings into getter calls, which the hot paths must not pay.
const C = { ...CSR_MODULE }
const CSR = { ...CSR_MODULE.CSR }
const { mulh, mulhsu, mulhu, div, divu, rem, remu } = MD
const PRIV_M = PRIV_M_
const PRIV_S = PRIV_S_
const PRIV_U = PRIV_U_
const ACCESS_FETCH = ACCESS_FETCH_ as AccessKind
const ACCESS_LOAD = ACCESS_LOAD_ as AccessKind
const ACCESS_STORE = ACCESS_STORE_ as AccessKind
const STOP_BUDGET = StopReason.Budget
const STOP_WFI = StopReason.Wfi
const STOP_REQUESTED_REASON = StopReason.Requested
const STOP_HALTED_REASON = StopReason.Halted

const TLB_SIZE = 256
const TLB_MASK = TLB_SIZE - 1
/** Thrown (never allocated anew) to unwind from a faulting access to the instruction loop. */
const TRAP = { trap: true }

const STOP_NONE = 0
const STOP_REQUESTED = 1
const STOP_HALTED = 2
const STOP_YIELD = 3

// Exception causes (numbers of the const enum Cause in types.ts, spelled out for isolated transpilers).
const INSN_MISALIGNED = 0
const INSN_ACCESS = 1
const ILLEGAL = 2
const BREAKPOINT = 3
const LOAD_MISALIGNED = 4
const LOAD_ACCESS = 5
const STORE_MISALIGNED = 6
const STORE_ACCESS = 7
const ECALL_U = 8
const INSN_PAGE = 12
const LOAD_PAGE = 13
const STORE_PAGE = 15
const PAGE_FAULT = [INSN_PAGE, LOAD_PAGE, STORE_PAGE]
const ACCESS_FAULT = [INSN_ACCESS, LOAD_ACCESS, STORE_ACCESS]
const GUEST_PAGE_FAULT = [20, 21, 23]

/** CSRs saved by name in HartState. */
const SAVED_CSRS = [
  'mstatus',
  'medeleg',
  'mideleg',
  'mie',
  'mip',
  'mtvec',
  'mcounteren',
  'mscratch',
  'mepc',
  'mcause',
  'mtval',
  'stvec',
  'scounteren',
  'sscratch',
  'sepc',
  'scause',
  'stval',
  'satp',
  'mcountinhibit',
  'menvcfg',
  'senvcfg',
  'cycleOffset',
  'instretOffset'
] as const
type SavedCsr = (typeof SAVED_CSRS)[number]

export interface HartOptions {
  hartId?: number
}

export class Hart {
  readonly x = new Int32Array(32)
  /** Program counter (unsigned). */
  pc = 0
  priv = PRIV_M
  readonly hartId: number

  mstatus = 0
  medeleg = 0
  mideleg = 0
  mie = 0
  mip = 0
  mtvec = 0
  mcounteren = 0
  mscratch = 0
  mepc = 0
  mcause = 0
  mtval = 0
  stvec = 0
  scounteren = 0
  sscratch = 0
  sepc = 0
  scause = 0
  stval = 0
  satp = 0
  mcountinhibit = 0
  menvcfg = 0
  senvcfg = 0
  cycleOffset = 0
  instretOffset = 0
  readonly pmpcfg = new Uint32Array(4)
  readonly pmpaddr = new Uint32Array(16)

  /** Retired instructions. */
  instret = 0
  /** Virtual cycles (1 GHz nominal): one per instruction plus whatever the VMM charges for exits. */
  cycle = 0
  reservation = -1
  wfi = false

  /** Second-stage translation (hardware-assisted virtualization), or null. */
  stage2: Stage2 | null = null
  /** Receives traps whose target is M-mode instead of mtvec (the VMM), or null. */
  hostTrap: HostTrapHandler | null = null
  /** The guest-physical address of the last stage-2 fault. */
  gpa = 0
  /** Current time for the `time` CSR in mtime ticks; the machine points this at its CLINT. */
  timeSource: () => number = () => Math.floor(this.now() / 100)
  /** Cycle count at which `onDeadline` must run (the next timer event); Infinity when none. */
  deadline = Infinity
  onDeadline: (() => void) | null = null

  private readonly bus: Bus
  private readonly ramBase: number
  private readonly ramEnd: number
  private readonly ram8: Uint8Array
  private readonly ram8s: Int8Array
  private readonly ram16: Uint16Array
  private readonly ram16s: Int16Array
  private readonly ram32: Int32Array

  private readonly fetchTag = new Int32Array(TLB_SIZE).fill(-1)
  private readonly fetchOff = new Int32Array(TLB_SIZE)
  private readonly loadTag = new Int32Array(TLB_SIZE).fill(-1)
  private readonly loadOff = new Int32Array(TLB_SIZE)
  private readonly storeTag = new Int32Array(TLB_SIZE).fill(-1)
  private readonly storeOff = new Int32Array(TLB_SIZE)

  /** Block compilation (see jit.ts). Off by default: whoever writes guest RAM behind the hart's back (DMA,
   * post-copy page installs) must call invalidateCode() before turning it on. The bare-metal Machine enables it. */
  jit = false
  private readonly blocks = new Map<number, Block>()
  private readonly blockCache: (Block | undefined)[] = new Array<Block | undefined>(BLOCK_CACHE_SIZE).fill(undefined)
  private readonly pageBlocks = new Map<number, number[]>()
  private readonly codePages: Uint8Array
  /** Which 64-byte chunks of RAM hold compiled instructions (a store there throws the page's blocks away). */
  private readonly codeChunks: Uint8Array
  private readonly jitInvalidations: Uint8Array
  /** Set by block code: instructions completed on exit (blkN) or before the faulting one (blkK). */
  blkN = 0
  blkK = 0
  blkI = 0
  /** A store hit a page with compiled code: the running block must stop. */
  codeDirty = 0

  /** Write tracking for statistics (null = off): one byte per RAM page, set by the first store to the page in
   * the current epoch; `pagesWritten` counts those first stores over all epochs. */
  private writeMap: Uint8Array | null = null
  pagesWritten = 0
  /** Pages written since RAM was last known all zero, over all epochs (null = unknown): what
   * MigratableVm.writtenPages reports. Set wherever writeMap is. */
  private everWritten: Uint8Array | null = null

  private stopReq = STOP_NONE
  /** Instructions executed by the running inner loop and not yet added to cycle/instret. */
  private inflight = 0
  private trapCause = 0
  private trapTval = 0
  private pendingSystem = -1

  constructor(bus: Bus, opts: HartOptions = {}) {
    this.bus = bus
    this.hartId = opts.hartId ?? 0
    this.ramBase = bus.ramBase >>> 0
    this.ramEnd = this.ramBase + bus.ram.length
    const buf = bus.ram.buffer
    const off = bus.ram.byteOffset
    if (off % 4 !== 0 || bus.ram.length % 4 !== 0) throw new Error('RAM must be 4-byte aligned and sized')
    this.ram8 = bus.ram
    this.ram8s = new Int8Array(buf, off, bus.ram.length)
    this.ram16 = new Uint16Array(buf, off, bus.ram.length >> 1)
    this.ram16s = new Int16Array(buf, off, bus.ram.length >> 1)
    this.ram32 = new Int32Array(buf, off, bus.ram.length >> 2)
    this.codePages = new Uint8Array((bus.ram.length + 0xfff) >>> 12)
    this.codeChunks = new Uint8Array((bus.ram.length + 63) >>> 6)
    this.jitInvalidations = new Uint8Array(this.codePages.length)
  }

  /** Drops compiled blocks: all of them, or those on the RAM pages overlapping [ramOffset, ramOffset+length). Call it
   * after writing guest RAM directly (not through the hart) when `jit` is on. */
  invalidateCode(ramOffset?: number, length = 1): void {
    if (ramOffset === undefined) {
      this.blocks.clear()
      this.blockCache.fill(undefined)
      this.pageBlocks.clear()
      // clear only the chunk marks of pages that had code (a block may run into the next page): filling all of
      // codeChunks (1/64 of RAM) would touch every page of a fresh VM's array, a page fault each on lazily
      // backed hosts
      const cp = this.codePages
      const cc = this.codeChunks
      for (let p = 0; p < cp.length; p++) {
        if (cp[p]) {
          cc.fill(0, p << 6, Math.min(cc.length, (p + 2) << 6))
          cp[p] = 0
        }
      }
      this.codeDirty = 1
      return
    }
    for (let p = ramOffset >>> 12; p <= (ramOffset + length - 1) >>> 12 && p < this.codePages.length; p++) {
      if (this.codePages[p]) this.invalidatePage(p)
    }
  }

  /** Starts counting first stores per RAM page for the first `pages` pages of RAM (see `newWriteEpoch`). */
  trackWrites(pages: number): void {
    this.writeMap = new Uint8Array(pages)
    this.everWritten = new Uint8Array(pages)
    this.storeTag.fill(-1)
  }

  /** The record of pages written over all epochs: `zero` = RAM is all zero now (nothing written), otherwise
   * unknown (RAM was written behind the hart's back, e.g. a state load after a migration or revert). */
  resetWrittenRecord(zero: boolean): void {
    this.everWritten = null
    if (zero) this.setWrittenRecord(new Uint8Array(0))
  }

  /** Replaces the record of pages written (1 = may hold data). Pages already written in this epoch stay marked:
   * their next stores skip the slow path that keeps the record. */
  setWrittenRecord(pages: Uint8Array): void {
    const wm = this.writeMap
    if (wm === null) return
    const ew = new Uint8Array(wm.length)
    ew.set(pages.subarray(0, wm.length))
    for (let p = 0; p < wm.length; p++) ew[p] |= wm[p]
    this.everWritten = ew
  }

  /** Marks RAM [offset, offset+length) as written in the record only (the loader, the VMM's own writes). */
  markWritten(ramOffset: number, length: number): void {
    const ew = this.everWritten
    if (ew === null || length <= 0) return
    ew.fill(1, ramOffset >>> 12, Math.min(ew.length, ((ramOffset + length - 1) >>> 12) + 1))
  }

  /** A copy of the record of pages written since RAM was last all zero (null = unknown). */
  writtenRecord(): Uint8Array | null {
    return this.everWritten === null ? null : this.everWritten.slice()
  }

  /** A new counting epoch: every page counts as unwritten again. Stores reach the tracker through the store slow
   * path, so the store TLB is emptied (the first store to each page in the epoch misses it). */
  newWriteEpoch(): void {
    if (this.writeMap === null) return
    this.writeMap.fill(0)
    this.storeTag.fill(-1)
  }

  /** Counts a write made to RAM without the hart (DMA, the VMM) in the write statistics. */
  noteWritten(ramOffset: number, length = 1): void {
    const wm = this.writeMap
    if (wm === null || length <= 0) return
    const ew = this.everWritten
    for (let p = ramOffset >>> 12; p <= (ramOffset + length - 1) >>> 12 && p < wm.length; p++) {
      if (wm[p] === 0) {
        wm[p] = 1
        this.pagesWritten++
        if (ew !== null) ew[p] = 1
      }
    }
  }

  private invalidatePage(page: number): void {
    const list = this.pageBlocks.get(page)
    if (list) {
      for (const pc of list) {
        const b = this.blocks.get(pc)
        if (b && b.phys >>> 12 === page) {
          this.blocks.delete(pc)
          const ci = (pc >>> 2) & BLOCK_CACHE_MASK
          if (this.blockCache[ci] === b) this.blockCache[ci] = undefined
        }
      }
      this.pageBlocks.delete(page)
    }
    this.codePages[page] = 0
    this.codeChunks.fill(0, page << 6, (page + 1) << 6)
    if (this.jitInvalidations[page] < 255) this.jitInvalidations[page]++
    this.codeDirty = 1
  }

  private compileAt(pc: number, phys: number): Block {
    const page = phys >>> 12
    if (this.jitInvalidations[page] >= JIT_GIVE_UP) {
      // this page's code keeps being rewritten: interpret it (the marker is never invalidated)
      const marker = { fn: NOT_COMPILED, pc, phys, len: 0 }
      this.blocks.set(pc, marker)
      this.blockCache[(pc >>> 2) & BLOCK_CACHE_MASK] = marker
      return marker
    }
    const r32 = this.ram32
    const base = phys >> 2
    const b = compileBlock(pc, phys, (i) => r32[base + i]) ?? { fn: NOT_COMPILED, pc, phys, len: 0 }
    this.blocks.set(pc, b)
    this.blockCache[(pc >>> 2) & BLOCK_CACHE_MASK] = b
    this.codeChunks.fill(1, phys >>> 6, ((phys + 4 * Math.max(1, b.len) - 1) >>> 6) + 1)
    let list = this.pageBlocks.get(page)
    if (!list) this.pageBlocks.set(page, (list = []))
    list.push(pc)
    if (!this.codePages[page]) {
      this.codePages[page] = 1
      this.storeTag.fill(-1) // stores to this page must take the slow path, which notices the code
    }
    return b
  }

  /** Virtual cycles including the instructions of the loop that is running right now. */
  now(): number {
    return this.cycle + this.inflight
  }

  reset(pc: number): void {
    this.x.fill(0)
    this.pc = pc >>> 0
    this.priv = PRIV_M
    this.mstatus = 0
    this.medeleg = this.mideleg = this.mie = this.mip = 0
    this.mtvec = this.mepc = this.mcause = this.mtval = this.mscratch = this.mcounteren = 0
    this.stvec = this.sepc = this.scause = this.stval = this.sscratch = this.scounteren = this.satp = 0
    this.reservation = -1
    this.wfi = false
    this.flushTlb()
    this.invalidateCode()
  }

  /** Drops every cached translation (call after changing page tables the hart cannot see change: stage 2,
   * shadow tables, dirty-log write protection). */
  flushTlb(): void {
    this.fetchTag.fill(-1)
    this.loadTag.fill(-1)
    this.storeTag.fill(-1)
  }

  /** Ends `run` as soon as the current instruction completes. */
  requestStop(): void {
    this.stopReq = STOP_REQUESTED
  }

  /** The machine powered off: `run` returns STOP_HALTED_REASON. */
  halt(): void {
    this.stopReq = STOP_HALTED
  }

  /** Makes the inner loop return to the run loop (to re-read the deadline and check interrupts). */
  yieldLoop(): void {
    if (this.stopReq === STOP_NONE) this.stopReq = STOP_YIELD
  }

  /** Drives a hardware interrupt line (a bit of mip: MSIP, MTIP, MEIP, SEIP). */
  setInterruptLine(bit: number, level: boolean): void {
    const old = this.mip
    this.mip = level ? old | bit : old & ~bit
    if (level && !(old & bit) && this.mie & bit) this.yieldLoop()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Running

  /** Executes up to `budget` instructions. */
  run(budget: number): StopReason {
    let done = 0
    if (this.stopReq !== STOP_HALTED) this.stopReq = STOP_NONE
    while (done < budget) {
      const req = this.stopReq
      if (req !== STOP_NONE) {
        if (req === STOP_HALTED) return STOP_HALTED_REASON
        this.stopReq = STOP_NONE
        if (req === STOP_REQUESTED) return STOP_REQUESTED_REASON
      }
      if (this.cycle >= this.deadline) {
        this.deadline = Infinity
        if (this.onDeadline) this.onDeadline()
        continue
      }
      if (this.mip & this.mie) {
        this.wfi = false
        if (this.checkInterrupts()) {
          done++
          continue
        }
      }
      if (this.wfi) return STOP_WFI
      let limit = budget - done
      const untilDeadline = this.deadline - this.cycle
      if (untilDeadline < limit) limit = untilDeadline
      done += this.exec(limit)
      if (this.pendingSystem !== -1) {
        const insn = this.pendingSystem
        this.pendingSystem = -1
        done++
        this.execSystem(insn)
      }
    }
    if (this.stopReq === STOP_HALTED) return STOP_HALTED_REASON
    return STOP_BUDGET
  }

  /** Takes the highest-priority pending and enabled interrupt, if any may be taken now. */
  private checkInterrupts(): boolean {
    const pending = this.mip & this.mie
    const mEnabled = this.priv < PRIV_M || (this.mstatus & C.MSTATUS_MIE) !== 0
    const sEnabled = this.priv < PRIV_S || (this.priv === PRIV_S && (this.mstatus & C.MSTATUS_SIE) !== 0)
    const toM = mEnabled ? pending & ~this.mideleg : 0
    const toS = sEnabled ? pending & this.mideleg : 0
    const set = toM !== 0 ? toM : toS
    if (set === 0) return false
    for (const irq of C.IRQ_PRIORITY) {
      if (set & (1 << irq)) {
        this.enterTrap(irq, true, 0)
        return true
      }
    }
    return false
  }

  private raise(cause: number, tval: number): never {
    this.trapCause = cause
    this.trapTval = tval
    throw TRAP
  }

  /** Delivers an exception or interrupt at this.pc (the faulting instruction or the next one to run). */
  enterTrap(code: number, interrupt: boolean, tval: number): void {
    this.reservation = -1
    const deleg = interrupt ? this.mideleg : this.medeleg
    const epc = this.pc >>> 0
    const cause = (interrupt ? 0x80000000 | code : code) >>> 0
    if (this.priv <= PRIV_S && (deleg >>> code) & 1) {
      this.scause = cause
      this.sepc = epc
      this.stval = tval >>> 0
      let s = this.mstatus & ~(C.MSTATUS_SPIE | C.MSTATUS_SIE | C.MSTATUS_SPP)
      if (this.mstatus & C.MSTATUS_SIE) s |= C.MSTATUS_SPIE
      if (this.priv === PRIV_S) s |= C.MSTATUS_SPP
      this.mstatus = s
      this.setPriv(PRIV_S)
      this.pc = ((this.stvec & ~3) + (interrupt && (this.stvec & 3) === 1 ? 4 * code : 0)) >>> 0
      return
    }
    if (this.hostTrap) {
      this.hostTrap(cause, epc, tval >>> 0)
      return
    }
    this.mcause = cause
    this.mepc = epc
    this.mtval = tval >>> 0
    let s = this.mstatus & ~(C.MSTATUS_MPIE | C.MSTATUS_MIE | C.MSTATUS_MPP)
    if (this.mstatus & C.MSTATUS_MIE) s |= C.MSTATUS_MPIE
    s |= this.priv << C.MSTATUS_MPP_SHIFT
    this.mstatus = s
    this.setPriv(PRIV_M)
    this.pc = ((this.mtvec & ~3) + (interrupt && (this.mtvec & 3) === 1 ? 4 * code : 0)) >>> 0
  }

  /** Changes privilege (cached translations depend on it). */
  setPriv(p: number): void {
    if (p !== this.priv) {
      this.priv = p
      this.flushTlb()
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The inner loop: everything but SYSTEM instructions.

  private exec(limit: number): number {
    const x = this.x
    const r32 = this.ram32
    const r16 = this.ram16
    const r16s = this.ram16s
    const r8 = this.ram8
    const r8s = this.ram8s
    const lTag = this.loadTag
    const lOff = this.loadOff
    const sTag = this.storeTag
    const sOff = this.storeOff
    let pc = this.pc | 0
    let n = 0
    let fvpn = -1
    let foff = 0
    const jit = this.jit
    const cache = this.blockCache
    let inBlock = false
    let bpc = 0
    try {
      loop: while (n < limit) {
        if (pc >>> 12 !== fvpn) {
          foff = this.fetchOffset(pc)
          fvpn = pc >>> 12
        }
        if (jit) {
          const phys = (pc + foff) | 0
          let b = cache[(pc >>> 2) & BLOCK_CACHE_MASK]
          if (b === undefined || b.pc !== pc || b.phys !== phys) {
            const m = this.blocks.get(pc)
            if (m !== undefined && m.phys === phys) {
              b = m
              cache[(pc >>> 2) & BLOCK_CACHE_MASK] = m
            } else b = this.compileAt(pc, phys)
          }
          if (b.len !== 0 && b.len <= limit - n) {
            bpc = pc
            inBlock = true
            this.codeDirty = 0
            pc = b.fn(this, x, r32, r16, r16s, r8, r8s, lTag, lOff, sTag, sOff, n, limit - n)
            inBlock = false
            n += this.blkN
            if (this.stopReq !== STOP_NONE) break
            continue
          }
        }
        const insn = r32[((pc + foff) | 0) >> 2]
        let npc = (pc + 4) | 0
        const rd = (insn >> 7) & 31
        const rs1 = (insn >> 15) & 31
        if ((insn & 3) !== 3) this.raise(ILLEGAL, insn)
        switch ((insn >>> 2) & 31) {
          case 4: { // opcode 0x13
            // OP-IMM
            const imm = insn >> 20
            const a = x[rs1]
            switch ((insn >> 12) & 7) {
              case 0:
                x[rd] = (a + imm) | 0
                break
              case 1:
                if (insn >>> 25 !== 0) this.raise(ILLEGAL, insn)
                x[rd] = a << (imm & 31)
                break
              case 2:
                x[rd] = a < imm ? 1 : 0
                break
              case 3:
                x[rd] = a >>> 0 < imm >>> 0 ? 1 : 0
                break
              case 4:
                x[rd] = a ^ imm
                break
              case 5: {
                const f7 = insn >>> 25
                if (f7 === 0) x[rd] = a >>> (imm & 31)
                else if (f7 === 0x20) x[rd] = a >> (imm & 31)
                else this.raise(ILLEGAL, insn)
                break
              }
              case 6:
                x[rd] = a | imm
                break
              default:
                x[rd] = a & imm
            }
            break
          }
          case 12: { // opcode 0x33
            // OP (incl. M extension)
            const a = x[rs1]
            const b = x[(insn >> 20) & 31]
            const f7 = insn >>> 25
            const f3 = (insn >> 12) & 7
            if (f7 === 0) {
              switch (f3) {
                case 0:
                  x[rd] = (a + b) | 0
                  break
                case 1:
                  x[rd] = a << (b & 31)
                  break
                case 2:
                  x[rd] = a < b ? 1 : 0
                  break
                case 3:
                  x[rd] = a >>> 0 < b >>> 0 ? 1 : 0
                  break
                case 4:
                  x[rd] = a ^ b
                  break
                case 5:
                  x[rd] = a >>> (b & 31)
                  break
                case 6:
                  x[rd] = a | b
                  break
                default:
                  x[rd] = a & b
              }
            } else if (f7 === 1) {
              switch (f3) {
                case 0:
                  x[rd] = Math.imul(a, b)
                  break
                case 1:
                  x[rd] = mulh(a, b)
                  break
                case 2:
                  x[rd] = mulhsu(a, b)
                  break
                case 3:
                  x[rd] = mulhu(a, b)
                  break
                case 4:
                  x[rd] = div(a, b)
                  break
                case 5:
                  x[rd] = divu(a, b)
                  break
                case 6:
                  x[rd] = rem(a, b)
                  break
                default:
                  x[rd] = remu(a, b)
              }
            } else if (f7 === 0x20 && f3 === 0) x[rd] = (a - b) | 0
            else if (f7 === 0x20 && f3 === 5) x[rd] = a >> (b & 31)
            else this.raise(ILLEGAL, insn)
            break
          }
          case 0: { // opcode 0x03
            // LOAD
            const addr = (x[rs1] + (insn >> 20)) | 0
            const vpn = addr >>> 12
            const i = vpn & TLB_MASK
            const hit = lTag[i] === vpn
            let v: number
            switch ((insn >> 12) & 7) {
              case 0:
                if (hit) v = r8s[(addr + lOff[i]) | 0]
                else {
                  this.inflight = n
                  v = (this.loadSlow(addr, 1) << 24) >> 24
                }
                break
              case 1:
                if (hit && (addr & 1) === 0) v = r16s[((addr + lOff[i]) | 0) >> 1]
                else {
                  this.inflight = n
                  v = (this.loadSlow(addr, 2) << 16) >> 16
                }
                break
              case 2:
                if (hit && (addr & 3) === 0) v = r32[((addr + lOff[i]) | 0) >> 2]
                else {
                  this.inflight = n
                  v = this.loadSlow(addr, 4) | 0
                }
                break
              case 4:
                if (hit) v = r8[(addr + lOff[i]) | 0]
                else {
                  this.inflight = n
                  v = this.loadSlow(addr, 1)
                }
                break
              case 5:
                if (hit && (addr & 1) === 0) v = r16[((addr + lOff[i]) | 0) >> 1]
                else {
                  this.inflight = n
                  v = this.loadSlow(addr, 2)
                }
                break
              default:
                this.raise(ILLEGAL, insn)
            }
            x[rd] = v
            if (!hit && this.stopReq !== STOP_NONE) {
              x[0] = 0
              pc = npc
              n++
              break loop
            }
            break
          }
          case 8: { // opcode 0x23
            // STORE
            const addr = (x[rs1] + (((insn >> 25) << 5) | ((insn >> 7) & 31))) | 0
            const v = x[(insn >> 20) & 31]
            const vpn = addr >>> 12
            const i = vpn & TLB_MASK
            const hit = sTag[i] === vpn
            switch ((insn >> 12) & 7) {
              case 0:
                if (hit) r8[(addr + sOff[i]) | 0] = v
                else {
                  this.inflight = n
                  this.storeSlow(addr, 1, v)
                }
                break
              case 1:
                if (hit && (addr & 1) === 0) r16[((addr + sOff[i]) | 0) >> 1] = v
                else {
                  this.inflight = n
                  this.storeSlow(addr, 2, v)
                }
                break
              case 2:
                if (hit && (addr & 3) === 0) r32[((addr + sOff[i]) | 0) >> 2] = v
                else {
                  this.inflight = n
                  this.storeSlow(addr, 4, v)
                }
                break
              default:
                this.raise(ILLEGAL, insn)
            }
            if (!hit && this.stopReq !== STOP_NONE) {
              pc = npc
              n++
              break loop
            }
            break
          }
          case 24: { // opcode 0x63
            // BRANCH
            const a = x[rs1]
            const b = x[(insn >> 20) & 31]
            let taken: boolean
            switch ((insn >> 12) & 7) {
              case 0:
                taken = a === b
                break
              case 1:
                taken = a !== b
                break
              case 4:
                taken = a < b
                break
              case 5:
                taken = a >= b
                break
              case 6:
                taken = a >>> 0 < b >>> 0
                break
              case 7:
                taken = a >>> 0 >= b >>> 0
                break
              default:
                this.raise(ILLEGAL, insn)
            }
            if (taken) {
              const imm = ((insn >> 31) << 12) | ((insn << 4) & 0x800) | ((insn >>> 20) & 0x7e0) | ((insn >>> 7) & 0x1e)
              npc = (pc + imm) | 0
              if (npc & 3) this.raise(INSN_MISALIGNED, npc)
            }
            break
          }
          case 13: // opcode 0x37
            x[rd] = insn & 0xfffff000
            break
          case 5: // opcode 0x17
            x[rd] = (pc + (insn & 0xfffff000)) | 0
            break
          case 27: { // opcode 0x6f
            const imm = ((insn >> 31) << 20) | (insn & 0xff000) | ((insn >>> 9) & 0x800) | ((insn >>> 20) & 0x7fe)
            const target = (pc + imm) | 0
            if (target & 3) this.raise(INSN_MISALIGNED, target)
            x[rd] = npc
            npc = target
            break
          }
          case 25: { // opcode 0x67
            if ((insn >> 12) & 7) this.raise(ILLEGAL, insn)
            const target = ((x[rs1] + (insn >> 20)) | 0) & ~1
            if (target & 3) this.raise(INSN_MISALIGNED, target)
            x[rd] = npc
            npc = target
            break
          }
          case 3: { // opcode 0x0f
            // FENCE, FENCE.I (instructions are always fetched from memory: nothing to invalidate)
            const f3 = (insn >> 12) & 7
            if (f3 !== 0 && f3 !== 1) this.raise(ILLEGAL, insn)
            break
          }
          case 11: // opcode 0x2f
            this.inflight = n
            this.amo(insn)
            if (this.stopReq !== STOP_NONE) {
              x[0] = 0
              pc = npc
              n++
              break loop
            }
            break
          case 28: // opcode 0x73
            this.pendingSystem = insn
            break loop
          default:
            this.raise(ILLEGAL, insn)
        }
        x[0] = 0
        pc = npc
        n++
      }
    } catch (e) {
      if (e !== TRAP) throw e
      x[0] = 0
      if (inBlock) {
        n += this.blkK
        pc = (bpc + 4 * this.blkI) | 0
      }
      this.pc = pc >>> 0
      this.instret += n
      this.cycle += n + 1
      this.inflight = 0
      this.enterTrap(this.trapCause, false, this.trapTval)
      return n + 1
    }
    this.pc = pc >>> 0
    this.instret += n
    this.cycle += n
    this.inflight = 0
    return n
  }

  // ---------------------------------------------------------------------------------------------------------
  // Memory: translation, soft TLBs, slow paths

  /** Virtual → host-physical for one access, raising the right fault. */
  private translate(va: number, access: AccessKind): number {
    va >>>= 0
    let eff = this.priv
    if (access !== ACCESS_FETCH && this.mstatus & C.MSTATUS_MPRV && eff === PRIV_M) {
      eff = (this.mstatus & C.MSTATUS_MPP) >>> C.MSTATUS_MPP_SHIFT
    }
    const gpa = eff === PRIV_M || (this.satp & C.SATP_MODE_SV32) === 0 ? va : this.walk(va, access, eff)
    return this.stage2 === null ? gpa : this.second(gpa, va, access)
  }

  private second(gpa: number, va: number, access: AccessKind): number {
    const hpa = (this.stage2 as Stage2).translate(gpa, access)
    if (hpa < 0) {
      this.gpa = gpa
      this.raise(GUEST_PAGE_FAULT[access], va)
    }
    return hpa >>> 0
  }

  /** Sv32 walk with permission checks and hardware A/D updates; returns the guest-physical address. */
  private walk(va: number, access: AccessKind, eff: number): number {
    let table = (this.satp & C.SATP_PPN_MASK) * 4096
    let level = 1
    let pte = 0
    let pteAddr = 0
    for (;;) {
      const vpn = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff
      const pteGpa = table + vpn * 4
      pteAddr = this.stage2 === null ? pteGpa : this.second(pteGpa, va, ACCESS_LOAD)
      pte = this.physRead32(pteAddr, va, access)
      if (!(pte & C.PTE_V) || (!(pte & C.PTE_R) && pte & C.PTE_W)) this.raise(PAGE_FAULT[access], va)
      if (pte & (C.PTE_R | C.PTE_X)) break
      if (level === 0) this.raise(PAGE_FAULT[access], va)
      level = 0
      table = (pte >>> 10) * 4096
    }
    // permissions
    if (access === ACCESS_FETCH) {
      if (!(pte & C.PTE_X)) this.raise(PAGE_FAULT[access], va)
    } else if (access === ACCESS_LOAD) {
      if (!(pte & C.PTE_R) && !(this.mstatus & C.MSTATUS_MXR && pte & C.PTE_X)) this.raise(PAGE_FAULT[access], va)
    } else if (!(pte & C.PTE_W)) this.raise(PAGE_FAULT[access], va)
    if (pte & C.PTE_U) {
      if (eff === PRIV_S && (access === ACCESS_FETCH || !(this.mstatus & C.MSTATUS_SUM))) this.raise(PAGE_FAULT[access], va)
    } else if (eff === PRIV_U) this.raise(PAGE_FAULT[access], va)
    if (level === 1 && (pte >>> 10) & 0x3ff) this.raise(PAGE_FAULT[access], va) // misaligned superpage
    const want = pte | C.PTE_A | (access === ACCESS_STORE ? C.PTE_D : 0)
    if (want !== pte) {
      const vpn = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff
      const wAddr = this.stage2 === null ? pteAddr : this.second(table + vpn * 4, va, ACCESS_STORE)
      this.physWrite32(wAddr, want, va, access)
    }
    return level === 1 ? (pte >>> 20) * 0x400000 + (va & 0x3fffff) : (pte >>> 10) * 4096 + (va & 0xfff)
  }

  private physRead32(pa: number, va: number, access: AccessKind): number {
    if (pa >= this.ramBase && pa + 4 <= this.ramEnd && (pa & 3) === 0) return this.ram32[(pa - this.ramBase) >> 2]
    try {
      return this.bus.read(pa, 4) | 0
    } catch (e) {
      if (e instanceof BusError) this.raise(ACCESS_FAULT[access], va)
      throw e
    }
  }

  private physWrite32(pa: number, v: number, va: number, access: AccessKind): void {
    if (pa >= this.ramBase && pa + 4 <= this.ramEnd && (pa & 3) === 0) {
      const o = pa - this.ramBase
      if (this.codePages[o >>> 12] && this.codeChunks[o >>> 6]) this.invalidatePage(o >>> 12)
      const wm = this.writeMap
      if (wm !== null && o >>> 12 < wm.length && wm[o >>> 12] === 0) this.noteWritten(o)
      this.ram32[(pa - this.ramBase) >> 2] = v
      return
    }
    try {
      this.bus.write(pa, 4, v >>> 0)
    } catch (e) {
      if (e instanceof BusError) this.raise(ACCESS_FAULT[access], va)
      throw e
    }
  }

  private isRamPage(hpa: number): boolean {
    return hpa >= this.ramBase && hpa < this.ramEnd
  }

  /** Offset from the virtual page of `pc` to its place in RAM (fills the fetch TLB). */
  private fetchOffset(pc: number): number {
    const vpn = pc >>> 12
    const i = vpn & TLB_MASK
    if (this.fetchTag[i] === vpn) return this.fetchOff[i]
    const hpa = this.translate(pc, ACCESS_FETCH)
    if (!this.isRamPage(hpa)) this.raise(INSN_ACCESS, pc >>> 0)
    const off = (hpa - (hpa & 0xfff) - this.ramBase - (pc & ~0xfff)) | 0
    this.fetchTag[i] = vpn
    this.fetchOff[i] = off
    return off
  }

  private loadSlow(va: number, size: 1 | 2 | 4): number {
    if (va & (size - 1)) {
      // misaligned: performed byte by byte (each byte translated on its own)
      let v = 0
      for (let k = size - 1; k >= 0; k--) v = (v << 8) | this.loadSlow((va + k) | 0, 1)
      return v >>> 0
    }
    const hpa = this.translate(va, ACCESS_LOAD)
    if (this.isRamPage(hpa)) {
      const vpn = va >>> 12
      const i = vpn & TLB_MASK
      this.loadTag[i] = vpn
      this.loadOff[i] = (hpa - (hpa & 0xfff) - this.ramBase - ((va >>> 0) & ~0xfff)) | 0
      const o = hpa - this.ramBase
      return size === 4 ? this.ram32[o >> 2] >>> 0 : size === 2 ? this.ram16[o >> 1] : this.ram8[o]
    }
    try {
      return this.bus.read(hpa, size)
    } catch (e) {
      if (e instanceof BusError) this.raise(LOAD_ACCESS, va >>> 0)
      throw e
    }
  }

  private storeSlow(va: number, size: 1 | 2 | 4, v: number): void {
    if (va & (size - 1)) {
      // misaligned: translate every byte first so a fault leaves memory untouched
      for (let k = 0; k < size; k++) this.translate((va + k) | 0, ACCESS_STORE)
      for (let k = 0; k < size; k++) this.storeSlow((va + k) | 0, 1, v >>> (8 * k))
      return
    }
    const hpa = this.translate(va, ACCESS_STORE)
    if (this.isRamPage(hpa)) {
      const o = hpa - this.ramBase
      const page = o >>> 12
      const wm = this.writeMap
      if (wm !== null && page < wm.length && wm[page] === 0) this.noteWritten(o)
      if (this.codePages[page]) {
        // a page with compiled code never enters the store TLB; only a store over the code itself drops blocks
        if (this.codeChunks[o >>> 6] | this.codeChunks[(o + size - 1) >>> 6]) this.invalidatePage(page)
      } else {
        const vpn = va >>> 12
        const i = vpn & TLB_MASK
        this.storeTag[i] = vpn
        this.storeOff[i] = (hpa - (hpa & 0xfff) - this.ramBase - ((va >>> 0) & ~0xfff)) | 0
      }
      if (size === 4) this.ram32[o >> 2] = v
      else if (size === 2) this.ram16[o >> 1] = v
      else this.ram8[o] = v
      return
    }
    try {
      this.bus.write(hpa, size, v >>> 0)
    } catch (e) {
      if (e instanceof BusError) this.raise(STORE_ACCESS, va >>> 0)
      throw e
    }
  }

  /** Reads a 32-bit word at virtual `va` as the hart would (for debuggers and the VMM's instruction decoder). */
  readVirt32(va: number, access: AccessKind = ACCESS_LOAD): number {
    const hpa = this.translate(va, access)
    return this.physRead32(hpa, va, access) >>> 0
  }

  private amo(insn: number): void {
    const x = this.x
    const rd = (insn >> 7) & 31
    const addr = x[(insn >> 15) & 31] >>> 0
    const src = x[(insn >> 20) & 31]
    const f5 = insn >>> 27
    if (((insn >> 12) & 7) !== 2) this.raise(ILLEGAL, insn)
    if (f5 === 2) {
      if ((insn >> 20) & 31) this.raise(ILLEGAL, insn)
      if (addr & 3) this.raise(LOAD_MISALIGNED, addr)
      const hpa = this.translate(addr, ACCESS_LOAD)
      const v = this.physRead32(hpa, addr, ACCESS_LOAD)
      this.reservation = hpa
      x[rd] = v
      return
    }
    if (addr & 3) this.raise(STORE_MISALIGNED, addr)
    const hpa = this.translate(addr, ACCESS_STORE)
    if (f5 === 3) {
      if (this.reservation === hpa) {
        this.physWrite32(hpa, src, addr, ACCESS_STORE)
        x[rd] = 0
      } else x[rd] = 1
      this.reservation = -1
      return
    }
    const old = this.physRead32(hpa, addr, ACCESS_STORE)
    let v: number
    switch (f5) {
      case 0x01:
        v = src
        break
      case 0x00:
        v = (old + src) | 0
        break
      case 0x04:
        v = old ^ src
        break
      case 0x0c:
        v = old & src
        break
      case 0x08:
        v = old | src
        break
      case 0x10:
        v = old < src ? old : src
        break
      case 0x14:
        v = old > src ? old : src
        break
      case 0x18:
        v = old >>> 0 < src >>> 0 ? old : src
        break
      case 0x1c:
        v = old >>> 0 > src >>> 0 ? old : src
        break
      default:
        this.raise(ILLEGAL, insn)
    }
    this.physWrite32(hpa, v, addr, ACCESS_STORE)
    x[rd] = old
  }

  // ---------------------------------------------------------------------------------------------------------
  // SYSTEM: CSRs, ecall/ebreak, xRET, WFI, SFENCE.VMA

  private execSystem(insn: number): void {
    const pc = this.pc
    try {
      this.system(insn)
    } catch (e) {
      if (e !== TRAP) throw e
      this.pc = pc
      this.cycle++
      this.enterTrap(this.trapCause, false, this.trapTval)
    }
  }

  private retire(): void {
    this.pc = (this.pc + 4) >>> 0
    this.instret++
    this.cycle++
  }

  private system(insn: number): void {
    const f3 = (insn >> 12) & 7
    const rd = (insn >> 7) & 31
    const rs1 = (insn >> 15) & 31
    if (f3 === 0) {
      if (rd !== 0) this.raise(ILLEGAL, insn)
      const f12 = insn >>> 20
      if (insn >>> 25 === 0x09) {
        // sfence.vma
        if (this.priv === PRIV_U || (this.priv === PRIV_S && this.mstatus & C.MSTATUS_TVM)) this.raise(ILLEGAL, insn)
        this.flushTlb()
        this.retire()
        return
      }
      if (rs1 !== 0) this.raise(ILLEGAL, insn)
      switch (f12) {
        case 0x000:
          this.raise(ECALL_U + this.priv, 0)
          break
        case 0x001:
          this.raise(BREAKPOINT, this.pc)
          break
        case 0x302:
          if (this.priv < PRIV_M) this.raise(ILLEGAL, insn)
          this.mret()
          return
        case 0x102:
          if (this.priv < PRIV_S || (this.priv === PRIV_S && this.mstatus & C.MSTATUS_TSR)) this.raise(ILLEGAL, insn)
          this.sret()
          return
        case 0x105:
          if (this.priv === PRIV_U || (this.priv === PRIV_S && this.mstatus & C.MSTATUS_TW)) this.raise(ILLEGAL, insn)
          this.retire()
          if ((this.mip & this.mie) === 0) this.wfi = true
          return
        default:
          this.raise(ILLEGAL, insn)
      }
      return
    }
    if (f3 === 4) this.raise(ILLEGAL, insn)
    const csr = insn >>> 20
    const operand = f3 >= 5 ? rs1 : this.x[rs1]
    const op = f3 & 3
    const writes = op === 1 || rs1 !== 0
    if (((csr >>> 8) & 3) > this.priv) this.raise(ILLEGAL, insn)
    if (writes && csr >>> 10 === 3) this.raise(ILLEGAL, insn)
    const old = this.csrRead(csr, insn)
    if (writes) {
      const v = op === 1 ? operand : op === 2 ? old | operand : old & ~operand
      this.csrWrite(csr, v >>> 0, insn)
    }
    if (rd !== 0) this.x[rd] = old
    this.retire()
  }

  private mret(): void {
    const s = this.mstatus
    const mpp = (s & C.MSTATUS_MPP) >>> C.MSTATUS_MPP_SHIFT
    let ns = s & ~(C.MSTATUS_MIE | C.MSTATUS_MPP)
    if (s & C.MSTATUS_MPIE) ns |= C.MSTATUS_MIE
    ns |= C.MSTATUS_MPIE
    if (mpp !== PRIV_M) ns &= ~C.MSTATUS_MPRV
    this.mstatus = ns
    this.instret++
    this.cycle++
    this.pc = this.mepc >>> 0
    if ((s ^ ns) & C.MSTATUS_MPRV) this.flushTlb()
    this.setPriv(mpp)
  }

  private sret(): void {
    const s = this.mstatus
    const spp = s & C.MSTATUS_SPP ? PRIV_S : PRIV_U
    let ns = s & ~(C.MSTATUS_SIE | C.MSTATUS_SPP | C.MSTATUS_MPRV)
    if (s & C.MSTATUS_SPIE) ns |= C.MSTATUS_SIE
    ns |= C.MSTATUS_SPIE
    this.mstatus = ns
    this.instret++
    this.cycle++
    this.pc = this.sepc >>> 0
    if ((s ^ ns) & C.MSTATUS_MPRV) this.flushTlb()
    this.setPriv(spp)
  }

  private counterAllowed(index: number): boolean {
    if (this.priv < PRIV_M && !((this.mcounteren >>> index) & 1)) return false
    if (this.priv < PRIV_S && !((this.scounteren >>> index) & 1)) return false
    return true
  }

  private counter(index: number): number {
    if (index === 0) return this.now() + this.cycleOffset
    if (index === 1) return this.timeSource()
    if (index === 2) return this.instret + this.instretOffset
    return 0
  }

  /** CSR read with access checks; raises illegal instruction for unknown CSRs. */
  csrRead(csr: number, insn = 0): number {
    if ((csr >= 0xc00 && csr <= 0xc1f) || (csr >= 0xc80 && csr <= 0xc9f)) {
      const index = csr & 0x1f
      if (!this.counterAllowed(index)) this.raise(ILLEGAL, insn)
      const v = this.counter(index)
      return (csr >= 0xc80 ? Math.floor(v / 0x1_0000_0000) : v % 0x1_0000_0000) >>> 0
    }
    if ((csr >= 0xb00 && csr <= 0xb1f) || (csr >= 0xb80 && csr <= 0xb9f)) {
      const index = csr & 0x1f
      if (index === 1) this.raise(ILLEGAL, insn)
      const v = this.counter(index)
      return (csr >= 0xb80 ? Math.floor(v / 0x1_0000_0000) : v % 0x1_0000_0000) >>> 0
    }
    if (csr >= 0x323 && csr <= 0x33f) return 0 // mhpmevent3..31
    if (csr >= CSR.pmpcfg0 && csr < CSR.pmpcfg0 + 4) return this.pmpcfg[csr - CSR.pmpcfg0]
    if (csr >= CSR.pmpaddr0 && csr < CSR.pmpaddr0 + 16) return this.pmpaddr[csr - CSR.pmpaddr0]
    switch (csr) {
      case CSR.sstatus:
        return (this.mstatus & C.SSTATUS_MASK) >>> 0
      case CSR.sie:
        return (this.mie & this.mideleg) >>> 0
      case CSR.stvec:
        return this.stvec >>> 0
      case CSR.scounteren:
        return this.scounteren >>> 0
      case CSR.senvcfg:
        return this.senvcfg >>> 0
      case CSR.sscratch:
        return this.sscratch >>> 0
      case CSR.sepc:
        return this.sepc >>> 0
      case CSR.scause:
        return this.scause >>> 0
      case CSR.stval:
        return this.stval >>> 0
      case CSR.sip:
        return (this.mip & this.mideleg) >>> 0
      case CSR.satp:
        if (this.priv === PRIV_S && this.mstatus & C.MSTATUS_TVM) this.raise(ILLEGAL, insn)
        return this.satp >>> 0
      case CSR.mstatus:
        return this.mstatus >>> 0
      case CSR.misa:
        return C.MISA
      case CSR.medeleg:
        return this.medeleg >>> 0
      case CSR.mideleg:
        return this.mideleg >>> 0
      case CSR.mie:
        return this.mie >>> 0
      case CSR.mtvec:
        return this.mtvec >>> 0
      case CSR.mcounteren:
        return this.mcounteren >>> 0
      case CSR.menvcfg:
        return this.menvcfg >>> 0
      case CSR.mstatush:
      case CSR.menvcfgh:
        return 0
      case CSR.mcountinhibit:
        return this.mcountinhibit >>> 0
      case CSR.mscratch:
        return this.mscratch >>> 0
      case CSR.mepc:
        return this.mepc >>> 0
      case CSR.mcause:
        return this.mcause >>> 0
      case CSR.mtval:
        return this.mtval >>> 0
      case CSR.mip:
        return this.mip >>> 0
      case CSR.mvendorid:
      case CSR.marchid:
      case CSR.mimpid:
      case CSR.mconfigptr:
        return 0
      case CSR.mhartid:
        return this.hartId
    }
    return this.raise(ILLEGAL, insn)
  }

  csrWrite(csr: number, v: number, insn = 0): void {
    if (csr >= CSR.pmpcfg0 && csr < CSR.pmpcfg0 + 4) {
      this.pmpcfg[csr - CSR.pmpcfg0] = v
      return
    }
    if (csr >= CSR.pmpaddr0 && csr < CSR.pmpaddr0 + 16) {
      this.pmpaddr[csr - CSR.pmpaddr0] = v
      return
    }
    if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0xb83 && csr <= 0xb9f) || (csr >= 0x323 && csr <= 0x33f)) return
    switch (csr) {
      case CSR.mcycle:
        this.cycleOffset = this.replaceWord(this.now() + this.cycleOffset, v, false) - this.now()
        return
      case CSR.mcycleh:
        this.cycleOffset = this.replaceWord(this.now() + this.cycleOffset, v, true) - this.now()
        return
      case CSR.minstret:
        // the write happens instead of this instruction's own retirement, which retire() adds afterwards
        this.instretOffset = this.replaceWord(this.instret + this.instretOffset, v, false) - this.instret - 1
        return
      case CSR.minstreth:
        this.instretOffset = this.replaceWord(this.instret + this.instretOffset, v, true) - this.instret - 1
        return
      case CSR.sstatus:
        this.writeMstatus((this.mstatus & ~C.SSTATUS_MASK) | (v & C.SSTATUS_MASK))
        return
      case CSR.sie:
        this.mie = ((this.mie & ~this.mideleg) | (v & this.mideleg)) & C.MIE_WRITABLE
        this.yieldLoop()
        return
      case CSR.stvec:
        this.stvec = (v & 3) > 1 ? v & ~3 : v
        return
      case CSR.scounteren:
        this.scounteren = v & 7
        return
      case CSR.senvcfg:
        this.senvcfg = 0
        return
      case CSR.sscratch:
        this.sscratch = v
        return
      case CSR.sepc:
        this.sepc = v & ~3
        return
      case CSR.scause:
        this.scause = v
        return
      case CSR.stval:
        this.stval = v
        return
      case CSR.sip: {
        const mask = C.MIP_SSIP & this.mideleg
        this.mip = (this.mip & ~mask) | (v & mask)
        this.yieldLoop()
        return
      }
      case CSR.satp:
        if (this.priv === PRIV_S && this.mstatus & C.MSTATUS_TVM) this.raise(ILLEGAL, insn)
        this.satp = (v & (C.SATP_MODE_SV32 | C.SATP_PPN_MASK)) >>> 0
        this.flushTlb()
        return
      case CSR.mstatus:
        this.writeMstatus(v)
        return
      case CSR.misa:
        return
      case CSR.medeleg:
        this.medeleg = v & C.MEDELEG_WRITABLE
        return
      case CSR.mideleg:
        this.mideleg = v & C.S_INTERRUPTS
        this.yieldLoop()
        return
      case CSR.mie:
        this.mie = v & C.MIE_WRITABLE
        this.yieldLoop()
        return
      case CSR.mtvec:
        this.mtvec = (v & 3) > 1 ? v & ~3 : v
        return
      case CSR.mcounteren:
        this.mcounteren = v & 7
        return
      case CSR.menvcfg:
        this.menvcfg = 0
        return
      case CSR.mstatush:
      case CSR.menvcfgh:
        return
      case CSR.mcountinhibit:
        this.mcountinhibit = v & 5
        return
      case CSR.mscratch:
        this.mscratch = v
        return
      case CSR.mepc:
        this.mepc = v & ~3
        return
      case CSR.mcause:
        this.mcause = v
        return
      case CSR.mtval:
        this.mtval = v
        return
      case CSR.mip:
        this.mip = (this.mip & ~C.MIP_M_WRITABLE) | (v & C.MIP_M_WRITABLE)
        this.yieldLoop()
        return
    }
    this.raise(ILLEGAL, insn)
  }

  private replaceWord(full: number, v: number, high: boolean): number {
    const lo = full % 0x1_0000_0000
    const hi = Math.floor(full / 0x1_0000_0000)
    return high ? v * 0x1_0000_0000 + lo : hi * 0x1_0000_0000 + v
  }

  private writeMstatus(v: number): void {
    let s = v & C.MSTATUS_WRITABLE
    if (((s & C.MSTATUS_MPP) >>> C.MSTATUS_MPP_SHIFT) === 2) s &= ~C.MSTATUS_MPP // reserved encoding → U
    const changed = (s ^ this.mstatus) & C.MSTATUS_XLATE_BITS
    this.mstatus = s
    if (changed) this.flushTlb()
    this.yieldLoop()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Snapshots

  saveState(): HartState {
    const csr: Record<string, number> = {}
    for (const name of SAVED_CSRS) csr[name] = this[name] >>> 0
    // offsets may be negative: keep them as plain numbers
    csr.cycleOffset = this.cycleOffset
    csr.instretOffset = this.instretOffset
    for (let i = 0; i < 4; i++) csr[`pmpcfg${i}`] = this.pmpcfg[i]
    for (let i = 0; i < 16; i++) csr[`pmpaddr${i}`] = this.pmpaddr[i]
    return {
      x: Array.from(this.x, (v) => v >>> 0),
      pc: this.pc >>> 0,
      priv: this.priv,
      csr,
      reservation: this.reservation,
      instret: this.instret,
      cycle: this.cycle,
      wfi: this.wfi
    }
  }

  loadState(s: HartState): void {
    for (let i = 0; i < 32; i++) this.x[i] = s.x[i] | 0
    this.x[0] = 0
    this.pc = s.pc >>> 0
    this.priv = s.priv
    for (const name of SAVED_CSRS) {
      const v = s.csr[name]
      if (typeof v === 'number') (this as Record<SavedCsr, number>)[name] = v
    }
    for (let i = 0; i < 4; i++) this.pmpcfg[i] = s.csr[`pmpcfg${i}`] ?? 0
    for (let i = 0; i < 16; i++) this.pmpaddr[i] = s.csr[`pmpaddr${i}`] ?? 0
    this.reservation = s.reservation
    this.instret = s.instret
    this.cycle = s.cycle
    this.wfi = s.wfi
    this.flushTlb()
    this.invalidateCode()
    this.yieldLoop()
  }
}
