import { describe, it, expect } from 'vitest'
import * as E from './encode'
import { makeHart, reg, word, putWord, BASE } from './harness'
import { PRIV_M, PRIV_S, PRIV_U, StopReason } from '../../../src/main/engine/cpu/types'
import { CSR, MIP_MTIP, MIP_STIP, MSTATUS_MIE, MSTATUS_SIE, MSTATUS_TVM, MSTATUS_SUM, MSTATUS_MXR } from '../../../src/main/engine/cpu/csr'

const TVEC = BASE + 0x4000
const STVEC = BASE + 0x5000

describe('traps and delegation', () => {
  it('ecall from U, S and M gives causes 8, 9 and 11 with mepc at the ecall and MPP = old privilege', () => {
    for (const [priv, cause] of [[PRIV_U, 8], [PRIV_S, 9], [PRIV_M, 11]]) {
      const { hart } = makeHart([E.addi(1, 0, 1), E.ECALL])
      hart.mtvec = TVEC
      hart.priv = priv
      hart.mstatus = priv === PRIV_M ? MSTATUS_MIE : 0
      hart.run(2)
      expect(hart.mcause).toBe(cause)
      expect(hart.mepc).toBe(BASE + 4)
      expect(hart.priv).toBe(PRIV_M)
      expect(hart.pc).toBe(TVEC)
      expect((hart.mstatus >>> 11) & 3).toBe(priv)
      expect(hart.instret).toBe(1) // the ecall does not retire
    }
  })

  it('medeleg sends U-mode exceptions to S (scause/sepc/stval, SPP = U); M-mode traps never delegate', () => {
    const { hart } = makeHart([E.lw(3, 1, 0)])
    hart.mtvec = TVEC
    hart.stvec = STVEC
    hart.medeleg = 1 << 5
    hart.priv = PRIV_U
    hart.mstatus = MSTATUS_SIE
    hart.x[1] = 0x40000010
    hart.run(1)
    expect([hart.scause, hart.sepc, hart.stval, hart.priv, hart.pc]).toEqual([5, BASE, 0x40000010, PRIV_S, STVEC])
    expect(hart.mstatus & 0x100).toBe(0) // SPP = U
    expect(hart.mstatus & 0x20).toBe(0x20) // SPIE = old SIE
    expect(hart.mstatus & MSTATUS_SIE).toBe(0)
    expect(hart.mcause).toBe(0)

    const m = makeHart([E.lw(3, 1, 0)]).hart
    m.mtvec = TVEC
    m.medeleg = 1 << 5
    m.x[1] = 0x40000010
    m.run(1)
    expect([m.mcause, m.priv]).toEqual([5, PRIV_M])
  })

  it('mret restores privilege and MIE from MPP/MPIE; sret from SPP/SPIE', () => {
    const { hart } = makeHart([E.MRET])
    hart.mepc = BASE + 0x100
    hart.mstatus = (PRIV_S << 11) | 0x80 // MPIE
    hart.run(1)
    expect([hart.pc, hart.priv, hart.mstatus & MSTATUS_MIE, (hart.mstatus >>> 11) & 3]).toEqual([BASE + 0x100, PRIV_S, MSTATUS_MIE, 0])
    const s = makeHart([E.SRET]).hart
    s.priv = PRIV_S
    s.sepc = BASE + 0x200
    s.mstatus = 0x20 // SPIE, SPP = U
    s.run(1)
    expect([s.pc, s.priv, s.mstatus & MSTATUS_SIE]).toEqual([BASE + 0x200, PRIV_U, MSTATUS_SIE])
  })

  it('privileged CSRs and instructions are illegal from lower modes, TVM traps satp and sfence.vma', () => {
    const cases: [number, number, number][] = [
      [E.csrr(1, CSR.mstatus), PRIV_S, 0],
      [E.csrr(1, CSR.sstatus), PRIV_U, 0],
      [E.MRET, PRIV_S, 0],
      [E.SRET, PRIV_U, 0],
      [E.WFI, PRIV_U, 0],
      [E.csrr(1, CSR.satp), PRIV_S, MSTATUS_TVM],
      [E.SFENCE_VMA, PRIV_S, MSTATUS_TVM],
      [E.csrrw(0, CSR.mvendorid, 1), PRIV_M, 0], // read-only CSR written
      [E.csrr(1, 0x7c0), PRIV_M, 0] // unimplemented CSR
    ]
    for (const [insn, priv, mstatus] of cases) {
      const { hart } = makeHart([insn])
      hart.mtvec = TVEC
      hart.priv = priv
      hart.mstatus = mstatus
      hart.run(1)
      expect(hart.mcause, `insn 0x${insn.toString(16)} in priv ${priv}`).toBe(2)
      expect(hart.mtval).toBe(insn)
    }
  })

  it('counters need mcounteren (S) and scounteren (U); time follows the cycle count', () => {
    const { hart } = makeHart([E.csrr(1, CSR.time), E.csrr(2, CSR.cycle)])
    hart.mtvec = TVEC
    hart.priv = PRIV_S
    hart.cycle = 12345
    hart.run(1)
    expect(hart.mcause).toBe(2)
    const h2 = makeHart([E.csrr(1, CSR.time), E.csrr(2, CSR.cycle), E.csrr(3, CSR.instret)]).hart
    h2.priv = PRIV_S
    h2.mcounteren = 7
    h2.cycle = 12345
    h2.run(3)
    expect([reg(h2, 1), reg(h2, 2), reg(h2, 3)]).toEqual([123, 12346, 2])
  })
})

describe('interrupts', () => {
  it('a pending, enabled machine timer interrupt is taken at the next instruction boundary', () => {
    const { hart } = makeHart([E.addi(1, 1, 1), E.addi(1, 1, 1), E.addi(1, 1, 1)])
    hart.mtvec = TVEC | 1 // vectored
    hart.mie = MIP_MTIP
    hart.mstatus = MSTATUS_MIE
    hart.run(1)
    hart.setInterruptLine(MIP_MTIP, true)
    hart.run(1)
    expect(hart.mcause).toBe(0x80000007)
    expect(hart.mepc).toBe(BASE + 4)
    expect(hart.pc).toBe(TVEC + 4 * 7)
    expect(hart.mstatus & MSTATUS_MIE).toBe(0)
  })

  it('is not taken in M-mode with MIE clear, but is taken from S-mode regardless', () => {
    const { hart } = makeHart([E.addi(1, 1, 1), E.addi(1, 1, 1)])
    hart.mtvec = TVEC
    hart.mie = MIP_MTIP
    hart.setInterruptLine(MIP_MTIP, true)
    hart.run(1)
    expect(hart.x[1]).toBe(1)
    hart.priv = PRIV_S
    hart.run(1)
    expect(hart.mcause).toBe(0x80000007)
  })

  it('delegated supervisor timer interrupts go to S when SIE allows', () => {
    const { hart } = makeHart([E.addi(1, 1, 1), E.addi(1, 1, 1)])
    hart.stvec = STVEC
    hart.mideleg = MIP_STIP
    hart.mie = MIP_STIP
    hart.priv = PRIV_S
    hart.mip = MIP_STIP
    hart.run(1)
    expect(hart.x[1]).toBe(1) // SIE clear in S: masked
    hart.mstatus = MSTATUS_SIE
    hart.run(1)
    expect([hart.scause, hart.sepc, hart.pc, hart.priv]).toEqual([0x80000005, BASE + 4, STVEC, PRIV_S])
  })

  it('WFI stops the run and wakes when an enabled interrupt becomes pending (even with MIE clear)', () => {
    const { hart } = makeHart([E.WFI, E.addi(1, 1, 1)])
    hart.mie = MIP_MTIP
    expect(hart.run(100)).toBe(StopReason.Wfi)
    expect(hart.wfi).toBe(true)
    expect(hart.pc).toBe(BASE + 4)
    expect(hart.run(100)).toBe(StopReason.Wfi)
    hart.setInterruptLine(MIP_MTIP, true)
    hart.run(1)
    expect(hart.wfi).toBe(false)
    expect(hart.x[1]).toBe(1)
  })
})

/** Builds Sv32 tables in RAM: root at BASE+0x10000, level-0 tables from BASE+0x11000 (one per 4 MiB region). */
function sv32Setup(bus: ReturnType<typeof makeHart>['bus'], base = BASE) {
  const root = base + 0x10000
  const tables = new Map<number, number>()
  const pte = (pa: number, flags: number): number => (((pa >>> 12) << 10) | flags) >>> 0
  return {
    root,
    pte,
    map4k(va: number, pa: number, flags: number): number {
      let l0 = tables.get(va >>> 22)
      if (l0 === undefined) {
        l0 = base + 0x11000 + tables.size * 0x1000
        tables.set(va >>> 22, l0)
      }
      putWord(bus, root + (va >>> 22) * 4, pte(l0, 1))
      const at = l0 + ((va >>> 12) & 0x3ff) * 4
      putWord(bus, at, pte(pa, flags))
      return at
    },
    mapSuper(va: number, pa: number, flags: number): number {
      const at = root + (va >>> 22) * 4
      putWord(bus, at, pte(pa, flags))
      return at
    },
    satp: (0x80000000 | ((root - base + base) >>> 12)) >>> 0
  }
}
const V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128

describe('Sv32', () => {
  function svHart(prog: number[]) {
    const h = makeHart(prog)
    const t = sv32Setup(h.bus)
    // code page identity-mapped at BASE (executable, supervisor)
    t.map4k(BASE, BASE, V | R | X | A)
    h.hart.satp = t.satp
    h.hart.priv = PRIV_S
    h.hart.mtvec = TVEC
    return { ...h, t }
  }

  it('walks 4 KiB pages and sets A on load, A and D on store', () => {
    const { hart, bus, t } = svHart([E.lw(3, 1, 0), E.sw(3, 1, 4)])
    const pteAt = t.map4k(0x00400000, BASE + 0x20000, V | R | W)
    putWord(bus, BASE + 0x20000, 0xfeedbeef)
    hart.x[1] = 0x00400000
    hart.run(1)
    expect(reg(hart, 3)).toBe(0xfeedbeef)
    expect(word(bus, pteAt) & (A | D)).toBe(A)
    hart.run(1)
    expect(word(bus, pteAt) & (A | D)).toBe(A | D)
    expect(word(bus, BASE + 0x20004)).toBe(0xfeedbeef)
  })

  it('translates 4 MiB superpages and faults on misaligned ones', () => {
    const { hart, bus, t } = svHart([E.lw(3, 1, 0x123), E.lw(4, 2, 0)])
    t.mapSuper(0xc0000000, BASE, V | R)
    t.mapSuper(0xc0400000, BASE + 0x1000, V | R)
    putWord(bus, BASE + 0x20120, 0x11223344)
    hart.x[1] = 0xc0020000 - 3 + 0 // + 0x123 below → 0xc0020120
    hart.run(1)
    expect(reg(hart, 3)).toBe(0x11223344)
    hart.x[2] = 0xc0400010
    hart.run(1)
    expect([hart.mcause, hart.mtval]).toEqual([13, 0xc0400010])
  })

  it('enforces W, U/SUM, X/MXR, and fetch permission', () => {
    // the instruction is followed by a nop; a fetch fault needs the second step
    const FETCH = E.jalr(0, 1, 0)
    const run = (flags: number, insn: number, mstatus = 0, priv = PRIV_S): number => {
      const { hart, t } = svHart([insn, E.addi(0, 0, 0)])
      t.map4k(0x00400000, BASE + 0x20000, flags)
      if (priv === PRIV_U) t.map4k(BASE, BASE, V | R | X | A | U)
      hart.priv = priv
      hart.mstatus = mstatus
      hart.x[1] = 0x00400000
      hart.run(insn === FETCH ? 2 : 1)
      return hart.mcause
    }
    expect(run(V | R, E.sw(3, 1, 0))).toBe(15)
    expect(run(V | R | U, E.lw(3, 1, 0))).toBe(13)
    expect(run(V | R | U, E.lw(3, 1, 0), MSTATUS_SUM)).toBe(0)
    expect(run(V | X, E.lw(3, 1, 0))).toBe(13)
    expect(run(V | X, E.lw(3, 1, 0), MSTATUS_MXR)).toBe(0)
    expect(run(V | R, E.lw(3, 1, 0), 0, PRIV_U)).toBe(13)
    expect(run(V | R | U, E.lw(3, 1, 0), 0, PRIV_U)).toBe(0)
    expect(run(V | W, E.lw(3, 1, 0))).toBe(13) // W without R is reserved
    expect(run(V | R, FETCH)).toBe(12) // fetch from a non-executable page
  })

  it('MPRV makes M-mode loads use MPP translation', () => {
    const { hart, bus, t } = svHart([E.lw(3, 1, 0)])
    t.map4k(0x00400000, BASE + 0x20000, V | R | A)
    putWord(bus, BASE + 0x20000, 77)
    hart.priv = PRIV_M
    hart.mstatus = (1 << 17) | (PRIV_S << 11)
    hart.x[1] = 0x00400000
    hart.run(1)
    expect(hart.x[3]).toBe(77)
  })
})

describe('virtualization hooks', () => {
  it('stage2 translates every guest-physical access, page-table walks included, and faults with gpa', () => {
    const OFF = 0x20000 // guest-physical G lives at host-physical G + OFF
    const { hart, bus } = makeHart([], 1 << 20)
    const gt = sv32Setup(bus, BASE) // tables are written at guest-physical addresses
    const code = BASE + 0x1000
    gt.map4k(code, code, V | R | X | A)
    const dataPte = gt.map4k(0x00400000, BASE + 0x3000, V | R | W)
    // copy the tables and code to their host-physical places
    const ram = bus.ram
    ram.copyWithin(OFF + 0x10000, 0x10000, 0x13000)
    putWord(bus, code + OFF, E.lw(3, 1, 0))
    putWord(bus, code + OFF + 4, E.sw(3, 1, 4))
    putWord(bus, code + OFF + 8, E.lw(3, 2, 0))
    putWord(bus, BASE + 0x3000 + OFF, 4242)
    const seen: [number, number][] = []
    hart.stage2 = {
      translate(gpa, access) {
        seen.push([gpa, access])
        return gpa >= BASE && gpa < BASE + 0x18000 ? gpa + OFF : -1
      }
    }
    const traps: number[][] = []
    hart.hostTrap = (cause, epc, tval) => {
      traps.push([cause, epc, tval, hart.gpa])
      hart.requestStop()
    }
    hart.satp = gt.satp
    hart.priv = PRIV_S
    hart.pc = code
    hart.x[1] = 0x00400000
    hart.run(2)
    expect(hart.x[3]).toBe(4242)
    expect(word(bus, BASE + 0x3004 + OFF)).toBe(4242)
    expect(seen.some(([g]) => g === gt.root + (0x00400000 >>> 22) * 4)).toBe(true) // root PTE read via stage 2
    expect(seen.some(([g, a]) => g === dataPte && a === 2)).toBe(true) // the A/D write of the leaf PTE
    expect(word(bus, dataPte + OFF) & (A | D)).toBe(A | D)
    // now an access whose page table lies outside what stage 2 maps
    gt.mapSuper(0x00800000, BASE + 0x400000, V | R) // data at a guest-physical address stage 2 rejects
    ram.copyWithin(OFF + 0x10000, 0x10000, 0x11000)
    hart.x[2] = 0x00800000
    hart.run(5)
    expect(traps).toEqual([[21, code + 8, 0x00800000, BASE + 0x400000]])
    expect(hart.mcause).toBe(0) // the host handled it: no M-mode CSR was touched
  })

  it('hostTrap receives M-targeted traps and interrupts instead of mtvec', () => {
    const { hart } = makeHart([E.ECALL, E.addi(1, 1, 1)])
    const got: number[][] = []
    hart.hostTrap = (cause, epc, tval) => {
      got.push([cause, epc, tval, hart.priv])
      hart.pc = epc + 4 // emulate and continue
    }
    hart.priv = PRIV_U
    hart.mtvec = TVEC
    hart.run(2)
    expect(got).toEqual([[8, BASE, 0, PRIV_U]])
    expect(hart.x[1]).toBe(1)
    hart.mie = MIP_MTIP
    hart.setInterruptLine(MIP_MTIP, true)
    hart.run(1)
    expect(got[1]).toEqual([0x80000007, BASE + 8, 0, PRIV_U])
  })

  it('saveState/loadState resume a run exactly', () => {
    const prog = [E.addi(1, 1, 3), E.op('mul', 2, 1, 1), E.op('add', 3, 3, 2), E.bType(-12, 0, 0, 1 /* bne x0,x0 */), E.jal(0, -16)]
    const a = makeHart(prog).hart
    a.run(1000)
    const b = makeHart(prog).hart
    b.run(400)
    const snap = JSON.parse(JSON.stringify(b.saveState()))
    const c = makeHart(prog).hart
    c.loadState(snap)
    c.run(600)
    expect(c.saveState()).toEqual(a.saveState())
  })
})
