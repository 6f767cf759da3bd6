// Shared by the VMM tests: load fixture guests, run a VM until a condition, collect serial output.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createVm, type VirtMode, type VmConfig } from '../../../src/main/engine/vmm/api'
import type { Vm } from '../../../src/main/engine/vmm/vm'

export const MODES: VirtMode[] = ['trap-and-emulate', 'hardware-assisted']
export const FIXTURES = join(__dirname, '../../fixtures/vmm')

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)))
}

export function makeVm(elf: Uint8Array, mode: VirtMode, extra: Partial<VmConfig> = {}): Vm {
  return createVm({ name: 'test', memoryMiB: 16, mode, nic: 'none', vtpm: false, ...extra }, elf) as Vm
}

export interface RunResult {
  out: string
  steps: number
}

/** Steps the VM (bounded) until it halts, idles, or `until(out)` holds; returns everything it printed. */
export function runUntil(vm: Vm, until: (out: string) => boolean = () => false, maxSteps = 400, slice = 200_000): RunResult {
  let out = ''
  let steps = 0
  while (steps < maxSteps && !vm.halt) {
    const r = vm.step(slice)
    steps++
    out += Buffer.from(vm.drainSerial()).toString('latin1')
    if (until(out) || r.status === 'idle') break
  }
  out += Buffer.from(vm.drainSerial()).toString('latin1')
  return { out, steps }
}

export function totalExits(vm: Vm): number {
  return Object.values(vm.stats().exits).reduce((a, b) => a + b, 0)
}
