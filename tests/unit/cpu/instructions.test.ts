import { describe, it, expect } from 'vitest'
import * as E from './encode'
import { makeHart, reg, word, putWord, BASE } from './harness'

// Reference semantics written independently with BigInt.
const s32 = (v: number): bigint => BigInt.asIntN(32, BigInt(v))
const u32 = (v: number): bigint => BigInt.asUintN(32, BigInt(v))
const lo = (v: bigint): number => Number(BigInt.asUintN(32, v))
const hi = (v: bigint): number => Number(BigInt.asUintN(32, v >> 32n))
const REF: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => lo(s32(a) + s32(b)),
  sub: (a, b) => lo(s32(a) - s32(b)),
  sll: (a, b) => lo(u32(a) << BigInt(b & 31)),
  srl: (a, b) => lo(u32(a) >> BigInt(b & 31)),
  sra: (a, b) => lo(s32(a) >> BigInt(b & 31)),
  slt: (a, b) => (s32(a) < s32(b) ? 1 : 0),
  sltu: (a, b) => (u32(a) < u32(b) ? 1 : 0),
  xor: (a, b) => (a ^ b) >>> 0,
  or: (a, b) => (a | b) >>> 0,
  and: (a, b) => (a & b) >>> 0,
  mul: (a, b) => lo(s32(a) * s32(b)),
  mulh: (a, b) => hi(s32(a) * s32(b)),
  mulhsu: (a, b) => hi(s32(a) * u32(b)),
  mulhu: (a, b) => hi(u32(a) * u32(b)),
  div: (a, b) => (u32(b) === 0n ? 0xffffffff : s32(a) === -(1n << 31n) && s32(b) === -1n ? lo(s32(a)) : lo(s32(a) / s32(b))),
  divu: (a, b) => (u32(b) === 0n ? 0xffffffff : lo(u32(a) / u32(b))),
  rem: (a, b) => (u32(b) === 0n ? a >>> 0 : s32(a) === -(1n << 31n) && s32(b) === -1n ? 0 : lo(s32(a) % s32(b))),
  remu: (a, b) => (u32(b) === 0n ? a >>> 0 : lo(u32(a) % u32(b)))
}

function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    return (s >>>= 0)
  }
}

const EDGE = [0, 1, 2, 31, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x12345678, 0x8000, 0xffff8000]

describe('RV32IM register-register instructions', () => {
  const rand = prng(0x5eed)
  const pairs: [number, number][] = []
  for (const a of EDGE) for (const b of EDGE) pairs.push([a, b])
  for (let i = 0; i < 200; i++) pairs.push([rand(), rand()])

  for (const name of Object.keys(REF)) {
    it(`${name} matches the reference on ${pairs.length} operand pairs`, () => {
      // program: x3 = op(x1, x2); then the next pair is loaded by the test between single steps
      const { hart } = makeHart([E.op(name, 3, 1, 2)])
      for (const [a, b] of pairs) {
        hart.pc = BASE
        hart.x[1] = a | 0
        hart.x[2] = b | 0
        hart.run(1)
        expect(reg(hart, 3), `${name}(0x${a.toString(16)}, 0x${b.toString(16)})`).toBe(REF[name](a, b))
      }
    })
  }

  it('immediate forms agree with the register forms', () => {
    const f3 = { addi: 0, slti: 2, sltiu: 3, xori: 4, ori: 6, andi: 7 } as const
    const ref = { addi: REF.add, slti: REF.slt, sltiu: REF.sltu, xori: REF.xor, ori: REF.or, andi: REF.and }
    const rand2 = prng(99)
    for (const [name, code] of Object.entries(f3) as [keyof typeof f3, number][]) {
      for (let i = 0; i < 50; i++) {
        const a = rand2()
        const imm = ((rand2() & 0xfff) << 20) >> 20
        const { hart } = makeHart([E.iType(imm, 1, code, 3, 0x13)])
        hart.x[1] = a | 0
        hart.run(1)
        expect(reg(hart, 3)).toBe(ref[name](a, imm))
      }
    }
  })

  it('writes to x0 are discarded', () => {
    const { hart } = makeHart([E.addi(0, 0, 5), E.op('add', 1, 0, 0)])
    hart.run(2)
    expect(hart.x[0]).toBe(0)
    expect(hart.x[1]).toBe(0)
  })

  it('reserved encodings raise illegal instruction with the bits in mtval', () => {
    const bad = E.rType(0x40, 2, 1, 0, 3, 0x33) // funct7 0x40 is not defined
    const { hart } = makeHart([bad])
    hart.mtvec = BASE + 0x100
    hart.run(1)
    expect(hart.mcause).toBe(2)
    expect(hart.mtval).toBe(bad)
    expect(hart.mepc).toBe(BASE)
    expect(hart.pc).toBe(BASE + 0x100)
  })
})

describe('control flow', () => {
  it('jal and jalr link pc+4 and jump', () => {
    const { hart } = makeHart([E.jal(1, 12), E.addi(5, 0, 1), E.addi(5, 0, 2), E.jalr(2, 1, 4), E.addi(6, 0, 9)])
    hart.run(2) // jal → pc 12: jalr x2, 4(x1) → x1+4 = 8
    expect(reg(hart, 1)).toBe(BASE + 4)
    expect(reg(hart, 2)).toBe(BASE + 16)
    expect(hart.pc).toBe(BASE + 8)
  })

  it('branches compare signed and unsigned as specified', () => {
    const cases: [number, number, number, boolean][] = [
      [4, -1, 1, true], // blt -1 < 1
      [6, -1, 1, false], // bltu 0xffffffff < 1
      [5, 3, 3, true], // bge
      [7, -1, 1, true], // bgeu
      [0, 7, 7, true],
      [1, 7, 7, false]
    ]
    for (const [f3, a, b, taken] of cases) {
      const { hart } = makeHart([E.bType(16, 2, 1, f3)])
      hart.x[1] = a
      hart.x[2] = b
      hart.run(1)
      expect(hart.pc, `f3=${f3} ${a} ${b}`).toBe(BASE + (taken ? 16 : 4))
    }
  })

  it('a jump to a 2-byte aligned target traps with mcause 0 and mtval = target, without linking', () => {
    const { hart } = makeHart([E.jalr(1, 2, 2)])
    hart.x[2] = BASE + 0x40
    hart.mtvec = BASE + 0x100
    hart.run(1)
    expect(hart.mcause).toBe(0)
    expect(hart.mtval).toBe(BASE + 0x42)
    expect(hart.x[1]).toBe(0)
  })
})

describe('loads and stores', () => {
  it('sign- and zero-extend bytes and halfwords', () => {
    const prog = [E.load(0, 3, 1, 0), E.load(4, 4, 1, 0), E.load(1, 5, 1, 0), E.load(5, 6, 1, 0), E.lw(7, 1, 0)]
    const { hart, bus } = makeHart(prog)
    putWord(bus, BASE + 0x1000, 0x7ffe8180)
    hart.x[1] = BASE + 0x1000
    hart.run(5)
    expect([3, 4, 5, 6, 7].map((r) => reg(hart, r))).toEqual([0xffffff80, 0x80, 0xffff8180, 0x8180, 0x7ffe8180])
  })

  it('performs misaligned loads and stores (no trap), across a page boundary too', () => {
    const prog = [E.sw(2, 1, 0), E.lw(3, 1, 0), E.load(1, 4, 1, 1), E.store(1, 2, 1, 6)]
    const { hart, bus } = makeHart(prog)
    hart.x[1] = BASE + 0x1ffe // straddles 0x80001fff/0x80002000
    hart.x[2] = 0xa1b2c3d4 | 0
    hart.run(4)
    expect(hart.mcause).toBe(0)
    expect(hart.instret).toBe(4)
    expect(reg(hart, 3)).toBe(0xa1b2c3d4)
    expect(reg(hart, 4)).toBe(0xffffb2c3)
    expect(word(bus, BASE + 0x1ffc) >>> 16).toBe(0xc3d4)
    expect(word(bus, BASE + 0x2004)).toBe(0xc3d4 << 0) // sh at +6 = 0x80002004
  })

  it('an access to an unmapped address raises an access fault with mtval = address', () => {
    const { hart } = makeHart([E.lw(3, 1, 0), E.sw(3, 1, 0)])
    hart.mtvec = BASE + 0x100
    hart.x[1] = 0x40000000
    hart.run(1)
    expect([hart.mcause, hart.mtval, hart.mepc]).toEqual([5, 0x40000000, BASE])
  })
})

describe('atomics', () => {
  const F5 = { swap: 1, add: 0, xor: 4, and: 12, or: 8, min: 16, max: 20, minu: 24, maxu: 28 }
  const REFA: Record<keyof typeof F5, (a: number, b: number) => number> = {
    swap: (_a, b) => b >>> 0,
    add: REF.add,
    xor: REF.xor,
    and: REF.and,
    or: REF.or,
    min: (a, b) => ((a | 0) < (b | 0) ? a : b) >>> 0,
    max: (a, b) => ((a | 0) > (b | 0) ? a : b) >>> 0,
    minu: (a, b) => (a >>> 0 < b >>> 0 ? a : b) >>> 0,
    maxu: (a, b) => (a >>> 0 > b >>> 0 ? a : b) >>> 0
  }
  for (const [name, f5] of Object.entries(F5) as [keyof typeof F5, number][]) {
    it(`amo${name}.w returns the old value and stores the result`, () => {
      for (const [a, b] of [[0x80000000, 1], [5, 0xffffffff], [0x1234, 0x4321]]) {
        const { hart, bus } = makeHart([E.amo(f5, 3, 1, 2)])
        putWord(bus, BASE + 0x800, a)
        hart.x[1] = BASE + 0x800
        hart.x[2] = b | 0
        hart.run(1)
        expect(reg(hart, 3)).toBe(a >>> 0)
        expect(word(bus, BASE + 0x800)).toBe(REFA[name](a, b))
      }
    })
  }

  it('sc succeeds once after lr and fails without a reservation', () => {
    const prog = [E.amo(2, 3, 1, 0), E.amo(3, 4, 1, 2), E.amo(3, 5, 1, 2)]
    const { hart, bus } = makeHart(prog)
    putWord(bus, BASE + 0x800, 41)
    hart.x[1] = BASE + 0x800
    hart.x[2] = 42
    hart.run(3)
    expect([reg(hart, 3), reg(hart, 4), reg(hart, 5), word(bus, BASE + 0x800)]).toEqual([41, 0, 1, 42])
  })

  it('a misaligned AMO raises store/AMO misaligned (6)', () => {
    const { hart } = makeHart([E.amo(0, 3, 1, 2)])
    hart.mtvec = BASE + 0x100
    hart.x[1] = BASE + 0x802
    hart.run(1)
    expect([hart.mcause, hart.mtval]).toEqual([6, BASE + 0x802])
  })
})

describe('self-modifying code', () => {
  it('executes the new instruction after a store over code', () => {
    // x3 += 1 at index 3 is rewritten to x3 += 5 by the store at index 1, then a loop runs it twice
    const prog = [...E.li(2, E.addi(3, 3, 5)), E.sw(2, 1, 12), E.addi(3, 3, 1), E.addi(4, 4, 1), E.bType(-8, 5, 4, 1)]
    const { hart } = makeHart(prog)
    hart.x[1] = BASE
    hart.x[5] = 2
    // first: run the original once without the patch
    hart.pc = BASE + 12
    hart.run(1)
    expect(hart.x[3]).toBe(1)
    hart.pc = BASE
    hart.x[4] = 0
    hart.run(3 + 2 * 3 - 0)
    expect(hart.x[3]).toBe(1 + 5 + 5)
  })
})
