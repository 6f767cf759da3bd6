import { describe, it, expect } from 'vitest'
import { Uart16550 } from '../../../src/main/engine/devices/uart16550'
import { Clint } from '../../../src/main/engine/devices/clint'
import { Plic } from '../../../src/main/engine/devices/plic'
import { Finisher, type FinisherEvent } from '../../../src/main/engine/devices/finisher'
import { Machine } from '../../../src/main/engine/machine/machine'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BAREMETAL_ELFS } from './tools'

describe('ns16550a UART', () => {
  it('transmits, receives through the FIFO with DR, and raises its interrupt line', () => {
    const tx: number[] = []
    const irq: boolean[] = []
    const u = new Uart16550((b) => tx.push(b), (l) => irq.push(l))
    u.write(0, 1, 0x41)
    expect(tx).toEqual([0x41])
    expect(u.read(5) & 0x61).toBe(0x60) // THRE | TEMT, no DR
    u.input([1, 2])
    expect(u.read(5) & 1).toBe(1)
    u.write(1, 1, 1) // IER: receive data available
    expect(irq.at(-1)).toBe(true)
    expect(u.read(2) & 0x0f).toBe(0x04)
    expect([u.read(0), u.read(0)]).toEqual([1, 2])
    expect(irq.at(-1)).toBe(false)
    expect(u.read(2) & 0x0f).toBe(0x01)
    u.write(3, 1, 0x80) // DLAB: divisor latch, not THR
    u.write(0, 1, 3)
    expect(tx).toEqual([0x41])
    expect(u.read(0)).toBe(3)
    u.write(7, 1, 0x5a)
    expect(u.read(7)).toBe(0x5a)
  })

  it('THR-empty interrupt is cleared by reading IIR; state round-trips', () => {
    const irq: boolean[] = []
    const u = new Uart16550(() => {}, (l) => irq.push(l))
    u.write(1, 1, 2)
    expect(irq.at(-1)).toBe(true)
    expect(u.read(2) & 0x0f).toBe(0x02)
    expect(irq.at(-1)).toBe(false)
    u.input([9])
    const copy = new Uart16550(() => {}, () => {})
    copy.loadState(JSON.parse(JSON.stringify(u.saveState())))
    expect(copy.read(1)).toBe(2)
    expect(copy.read(0)).toBe(9)
  })
})

describe('CLINT', () => {
  it('mtime = cycles / 100; MTIP follows mtimecmp; deadline in cycles', () => {
    let cycles = 0
    let mtip = false
    let msip = false
    const c = new Clint({ cycles: () => cycles, setMsip: (l) => (msip = l), setMtip: (l) => (mtip = l), timerChanged: () => {} })
    cycles = 123456
    expect(c.read(0xbff8, 4)).toBe(1234)
    c.write(0x4004, 4, 0)
    c.write(0x4000, 4, 2000)
    expect(mtip).toBe(false)
    expect(c.deadlineCycles()).toBe(200000)
    cycles = 200000
    c.update()
    expect(mtip).toBe(true)
    c.write(0, 4, 1)
    expect(msip).toBe(true)
    const d = new Clint({ cycles: () => cycles, setMsip: () => {}, setMtip: () => {}, timerChanged: () => {} })
    d.loadState(JSON.parse(JSON.stringify(c.saveState())))
    expect(d.read(0x4000, 4)).toBe(2000)
  })
})

describe('PLIC', () => {
  it('prioritises, gates by enable and threshold, claims and completes per context', () => {
    const out = [false, false]
    const p = new Plic((ctx, l) => (out[ctx] = l))
    p.write(10 * 4, 4, 3)
    p.write(5 * 4, 4, 5)
    p.setLevel(10, true)
    p.setLevel(5, true)
    expect(out).toEqual([false, false])
    p.write(0x2000, 4, (1 << 10) | (1 << 5))
    expect(out[0]).toBe(true)
    p.write(0x200000, 4, 5) // threshold 5 masks priorities 5 and 3
    expect(out[0]).toBe(false)
    expect(p.best(0)).toBe(0)
    p.write(0x200000, 4, 4) // threshold 4 lets priority 5 through
    expect(p.best(0)).toBe(5)
    p.write(0x200000, 4, 0)
    expect(p.read(0x200004, 4)).toBe(5) // highest priority first
    expect(p.read(0x200004, 4)).toBe(10)
    expect(p.read(0x200004, 4)).toBe(0)
    p.setLevel(5, false)
    p.write(0x200004, 4, 5)
    expect(p.read(0x1000, 4) & (1 << 5)).toBe(0)
    p.write(0x200004, 4, 10) // still asserted: pending again
    expect(p.read(0x1000, 4) & (1 << 10)).toBe(1 << 10)
    p.write(0x2080, 4, 1 << 10) // S context
    expect(out[1]).toBe(true)
  })
})

describe('finisher and machine', () => {
  it('decodes pass, fail-with-code and reset', () => {
    const ev: FinisherEvent[] = []
    const f = new Finisher((e) => ev.push(e))
    f.write(0, 4, 0x5555)
    f.write(0, 4, (3 << 16) | 0x3333)
    f.write(0, 4, 0x7777)
    f.write(0, 4, 0x1234)
    expect(ev).toEqual([{ kind: 'poweroff', exitCode: 0 }, { kind: 'poweroff', exitCode: 3 }, { kind: 'reset' }])
  })

  it('runs hello.elf to power-off with its serial output, deterministically', () => {
    const elf = readFileSync(join(BAREMETAL_ELFS, 'hello.elf'))
    const a = new Machine(elf, { memoryMiB: 8 })
    expect(a.run()).toEqual({ kind: 'poweroff', exitCode: 0 })
    expect(Buffer.from(a.drainSerial()).toString()).toBe('Hello from bare metal!\n')
    const b = new Machine(elf, { memoryMiB: 8 })
    b.run()
    expect(b.hart.instret).toBe(a.hart.instret)
    expect(b.hart.cycle).toBe(a.hart.cycle)
  })

  it('stops at instruction and virtual-time limits', () => {
    const elf = readFileSync(join(BAREMETAL_ELFS, 'spin.elf'))
    const m = new Machine(elf, { memoryMiB: 1 })
    expect(m.run({ maxInstructions: 12345 })).toEqual({ kind: 'limit', limit: 'instructions' })
    expect(m.hart.instret).toBe(12345)
    expect(m.run({ maxCycles: 1_000_000 })).toEqual({ kind: 'limit', limit: 'time' })
    expect(m.hart.cycle).toBe(1_000_000)
  })

  it('a machine snapshot resumes to the same result', () => {
    const elf = readFileSync(join(BAREMETAL_ELFS, 'rv32mi-p.elf'))
    const a = new Machine(elf, { memoryMiB: 1 })
    a.run({ maxInstructions: 150 })
    const state = JSON.parse(JSON.stringify(a.saveState()))
    const ram = a.bus.ram.slice()
    const b = new Machine(elf, { memoryMiB: 1 })
    b.bus.ram.set(ram)
    b.loadState(state)
    const ra = a.run()
    const rb = b.run()
    expect(rb).toEqual(ra)
    expect(ra).toMatchObject({ kind: 'tohost', passed: true })
    expect(b.hart.instret).toBe(a.hart.instret)
  })
})
