// Block compilation inside VMs: RAM written behind the hart's back (post-copy page installs, snapshot reverts,
// device DMA) must never leave stale compiled code running, and the guest kernel must behave identically with
// block compilation on and off in both modes.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RamDma } from '../../../src/main/engine/devices/virtio/dma'
import { RAM_BASE } from '../../../src/main/engine/machine/board'
import { MODES, makeVm } from './helpers'
import type { Vm } from '../../../src/main/engine/vmm/vm'

/** `addi a0, a0, imm` */
const addiA0 = (imm: number): number => ((imm & 0xfff) << 20) | (10 << 15) | (10 << 7) | 0x13
/** `jal x0, -4` */
const JUMP_BACK = 0xffdff06f

/** A counting loop at RAM_BASE: a0 += step forever. */
function loopCode(step: number): Uint8Array {
  const words = new Uint32Array([addiA0(step), JUMP_BACK])
  return new Uint8Array(words.buffer)
}

/** A minimal RV32 ELF: one PT_LOAD segment holding `code` at RAM_BASE, entry there. */
function tinyElf(code: Uint8Array): Uint8Array {
  const out = new Uint8Array(84 + code.length)
  const dv = new DataView(out.buffer)
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1])
  dv.setUint16(16, 2, true) // ET_EXEC
  dv.setUint16(18, 243, true) // EM_RISCV
  dv.setUint32(20, 1, true)
  dv.setUint32(24, RAM_BASE, true) // entry
  dv.setUint32(28, 52, true) // phoff
  dv.setUint16(40, 52, true)
  dv.setUint16(42, 32, true)
  dv.setUint16(44, 1, true)
  dv.setUint16(46, 40, true)
  const ph = 52
  dv.setUint32(ph, 1, true) // PT_LOAD
  dv.setUint32(ph + 4, 84, true)
  dv.setUint32(ph + 8, RAM_BASE, true)
  dv.setUint32(ph + 12, RAM_BASE, true)
  dv.setUint32(ph + 16, code.length, true)
  dv.setUint32(ph + 20, code.length, true)
  dv.setUint32(ph + 24, 5, true)
  dv.setUint32(ph + 28, 4, true)
  out.set(code, 84)
  return out
}

/** Runs the loop `n` instructions (n even: whole iterations) and returns how much a0 grew. */
function grow(vm: Vm, n: number): number {
  const before = vm.hart.x[10]
  let done = 0
  while (done < n) done += vm.step(n - done).executed
  return (vm.hart.x[10] - before) | 0
}

function loopVm(mode: (typeof MODES)[number]): Vm {
  const vm = makeVm(tinyElf(loopCode(1)), mode, { memoryMiB: 1 })
  expect(vm.hart.jit).toBe(true)
  // the loop runs compiled: each step of 10,000 instructions is 5,000 iterations of a0 += 1
  expect(grow(vm, 10_000)).toBe(5_000)
  return vm
}

describe.each(MODES)('compiled guest code is replaced when RAM changes behind the vCPU (%s)', (mode) => {
  it('post-copy page install', () => {
    const vm = loopVm(mode)
    const state = vm.saveState()
    vm.beginPostcopy()
    const page = new Uint8Array(4096)
    page.set(loopCode(3))
    vm.installPage(0, page)
    for (let i = 1; i < vm.ram.length / 4096; i++) vm.installPage(i, vm.ram.subarray(i * 4096, (i + 1) * 4096))
    vm.endPostcopy()
    expect(vm.halt).toBeNull()
    expect(state.hart.pc).toBe(vm.hart.pc)
    expect(grow(vm, 10_000)).toBe(15_000)
  })

  it('snapshot revert (RAM written, then loadState)', () => {
    const vm = loopVm(mode)
    const state = vm.saveState()
    expect(grow(vm, 2_000)).toBe(1_000)
    vm.ram.set(loopCode(5), 0)
    vm.loadState(state)
    expect(grow(vm, 10_000)).toBe(25_000)
  })

  it('device DMA into the code page', () => {
    const vm = loopVm(mode)
    const dma = new RamDma(vm.ram, RAM_BASE, (off, len) => vm.ramWritten(off, len))
    dma.writeU32(RAM_BASE, addiA0(7))
    expect(grow(vm, 10_000)).toBe(35_000)
    dma.write(RAM_BASE, loopCode(-1))
    expect(grow(vm, 10_000)).toBe(-5_000)
  })
})

describe.each(MODES)('guest kernel with block compilation on and off (%s)', (mode) => {
  it('identical serial output, instruction count, virtual time and exits', () => {
    const elf = new Uint8Array(readFileSync(join(__dirname, '../../../resources/guest/kernel.elf')))
    const run = (jit: boolean): { out: string; instret: number; cycles: number; exits: Record<string, number>; dirty: number } => {
      const vm = makeVm(elf, mode, { cmdline: 'halt=1', jit })
      expect(vm.hart.jit).toBe(jit)
      let out = ''
      for (let i = 0; i < 400 && !vm.halt; i++) {
        vm.step(2_000_000)
        out += Buffer.from(vm.drainSerial()).toString('latin1')
      }
      expect(vm.halt).toEqual({ kind: 'poweroff', exitCode: 0 })
      const s = vm.stats()
      return { out, instret: s.instructions, cycles: s.virtualCycles, exits: s.exits, dirty: s.dirtyPages }
    }
    const on = run(true)
    const off = run(false)
    expect(on.out).toContain('selftest')
    expect(on.instret).toBeGreaterThan(1_000_000)
    expect(on).toEqual(off)
  })
})
