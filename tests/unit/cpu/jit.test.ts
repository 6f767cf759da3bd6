// Block compilation must be invisible: the same programs give the same hart state, counts and output with and
// without it, faults inside blocks stay precise, and stores over compiled code take effect.
import { describe, it, expect } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as E from './encode'
import { makeHart, BASE } from './harness'
import { Machine } from '../../../src/main/engine/machine/machine'

const DIR = join(__dirname, '../../../resources/guest')

function runBoth(file: string, insns: number, patch?: (m: Machine) => void) {
  const res = [false, true].map((jit) => {
    const m = new Machine(readFileSync(join(DIR, file)), { memoryMiB: 16, jit })
    patch?.(m)
    const exit = m.run({ maxInstructions: insns })
    return { exit, state: m.hart.saveState(), serial: Buffer.from(m.drainSerial()).toString() }
  })
  return res
}

describe('block compilation', () => {
  const programs = ['rv32ui-p', 'rv32ui-v', 'rv32um-v', 'rv32ua-v', 'rv32mi-p', 'rv32si-p', 'vm-p', 'smc-p', 'irq-p', 'hello']
  for (const p of programs) {
    it(`${p}: identical final state with and without it`, () => {
      const [off, on] = runBoth(`baremetal/${p}.elf`, 2_000_000)
      expect(on.exit).toEqual(off.exit)
      expect(on.serial).toBe(off.serial)
      expect(on.state).toEqual(off.state)
    })
  }

  it('cpubench (shortened): same checksum, instruction count and registers', () => {
    const shorten = (m: Machine): void => {
      const at = m.symbols.get('bench_iterations')
      if (at === undefined) throw new Error('no bench_iterations')
      m.bus.write(at, 4, 20)
    }
    const [off, on] = runBoth('baremetal/cpubench.elf', 50_000_000, shorten)
    expect(off.serial).toMatch(/^cpubench checksum [0-9a-f]{8}\n$/)
    expect(on.serial).toBe(off.serial)
    expect(on.state).toEqual(off.state)
  })

  it.skipIf(!existsSync(join(DIR, 'kernel.elf')))('the guest kernel (S-mode, Sv32, timer interrupts): same state after 3 M instructions', () => {
    const [off, on] = runBoth('kernel.elf', 3_000_000)
    expect(on.serial).toBe(off.serial)
    expect(on.state).toEqual(off.state)
  })

  it('a fault inside a block is precise (epc, tval, instret, earlier results kept)', () => {
    const prog = [E.addi(1, 0, 1), E.addi(2, 0, 2), E.lw(3, 5, 0), E.addi(4, 0, 4), E.jal(0, 0)]
    const seen: number[][] = []
    for (const jit of [false, true]) {
      const { hart } = makeHart(prog)
      hart.jit = jit
      hart.hostTrap = (cause, epc, tval) => {
        seen.push([cause, epc, tval, hart.instret, hart.x[1], hart.x[2], hart.x[4]])
        hart.requestStop()
      }
      hart.x[5] = 0x40000000
      hart.run(100)
    }
    expect(seen).toEqual([
      [5, BASE + 8, 0x40000000, 2, 1, 2, 0],
      [5, BASE + 8, 0x40000000, 2, 1, 2, 0]
    ])
  })

  it('a store over the running block takes effect at the next instruction', () => {
    // insn 2 stores "addi x4, x0, 7" over insn 3 (addi x4, x0, 1) in the same block
    const prog = [...E.li(2, E.addi(4, 0, 7)), E.sw(2, 1, 0), E.addi(4, 0, 1), E.addi(5, 5, 1), E.jal(0, -20)]
    const results: number[][] = []
    for (const jit of [false, true]) {
      const { hart } = makeHart(prog)
      hart.jit = jit
      hart.x[1] = BASE + 0x100 // first rounds store elsewhere: the block gets compiled and run as is
      hart.run(60)
      const before = hart.x[4]
      hart.x[1] = BASE + 12
      hart.run(60)
      results.push([before, hart.x[4], hart.x[5], hart.instret])
    }
    expect(results[0][0]).toBe(1)
    expect(results[0][1]).toBe(7)
    expect(results[1]).toEqual(results[0])
  })

  it('if/else arms and loops inside one compiled region: exact budgets, precise fault in an arm', () => {
    // loop: x1++; if (x1 & 1) x5 += 7 else x4 += 3; when x1 reaches x8, the else arm loads from an unmapped
    // address; until x2.
    const prog = [
      E.addi(1, 1, 1), // 0
      E.op('and', 3, 1, 9), // 4: x3 = x1 & 1 (x9 = 1)
      E.bne(3, 0, 20), // 8: odd → 28
      E.addi(4, 4, 3), // 12: even arm
      E.bne(1, 8, 8), // 16: x1 != x8 → 24
      E.lw(6, 7, 0), // 20: fault (x7 unmapped)
      E.jal(0, 8), // 24: → 32
      E.addi(5, 5, 7), // 28: odd arm
      E.bne(1, 2, -32), // 32: loop
      E.jal(0, 0) // 36
    ]
    const results: unknown[] = []
    for (const jit of [false, true]) {
      const { hart } = makeHart(prog)
      hart.jit = jit
      hart.x[9] = 1
      hart.x[2] = 100_000
      hart.x[8] = 50_000
      hart.x[7] = 0x4000_0000
      hart.mtvec = BASE + 36
      const trace: number[][] = []
      for (const budget of [1001, 999, 37, 5, 123_456, 70_000, 300_000]) {
        hart.run(budget)
        trace.push([hart.instret, hart.pc, hart.x[1], hart.x[4], hart.x[5], hart.mcause, hart.mepc])
      }
      results.push(trace)
    }
    const [off, on] = results as number[][][]
    // 12 instructions per odd+even pair: 166 pairs, then an odd iteration (5) and 3 of the next
    expect(off[1]).toEqual([2000, BASE + 12, 334, 498, 1169, 0, 0])
    // the fault: x1 = 50,000 (even) reaches the load at BASE + 20, which traps precisely to mtvec (the `j .` at BASE + 36)
    expect(off.some((t) => t[5] === 5 && t[6] === BASE + 20)).toBe(true)
    expect(on).toEqual(off)
  })

  it('a block looping to its own start stops exactly at the instruction budget', () => {
    const prog = [E.addi(1, 1, 1), E.bne(1, 2, -4), E.jal(0, 0)]
    const results: number[][] = []
    for (const jit of [false, true]) {
      const { hart } = makeHart(prog)
      hart.jit = jit
      hart.x[2] = 1_000_000
      hart.run(1001)
      const a = [hart.instret, hart.x[1], hart.pc]
      hart.run(999)
      results.push([...a, hart.instret, hart.x[1], hart.pc])
    }
    expect(results[0]).toEqual([1001, 501, BASE + 4, 2000, 1000, BASE])
    expect(results[1]).toEqual(results[0])
  })

  it('invalidateCode() makes direct RAM writes (DMA) visible to compiled code', () => {
    const prog = [E.addi(4, 0, 1), E.jal(0, 0)]
    const { hart, bus } = makeHart(prog)
    hart.jit = true
    hart.run(10)
    expect(hart.x[4]).toBe(1)
    bus.ram.set(new Uint8Array(new Uint32Array([E.addi(4, 0, 9)]).buffer), 0) // behind the hart's back
    hart.invalidateCode(0, 4)
    hart.pc = BASE
    hart.run(10)
    expect(hart.x[4]).toBe(9)
  })
})
