// VmStats.dirtyPages: first writes per page per 100 ms epoch of virtual time, live in both modes, counted by the
// same mechanism (the vCPU's store slow path, plus the VMM's own writes), whether or not a dirty log is running.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MODES, makeVm, runUntil } from './helpers'
import { DIRTY_EPOCH_CYCLES } from '../../../src/main/engine/vmm/vm'
import type { Vm } from '../../../src/main/engine/vmm/vm'

const KERNEL = join(__dirname, '../../../resources/guest/kernel.elf')
const RATE = 2000
/** Working set larger than RATE × epoch (200 pages), so every page the workload writes in an epoch is new. */
const PAGES = 512
const SECOND = 1_000_000_000

function dirtyVm(mode: (typeof MODES)[number]): Vm {
  const elf = new Uint8Array(readFileSync(KERNEL))
  const vm = makeVm(elf, mode, { cmdline: `selftest=0 workload=dirty dirty.pages=${PAGES} dirty.rate=${RATE}` })
  expect(runUntil(vm, (o) => o.includes('dirty: working set'), 400, 200_000).out).toContain(`rate ${RATE} pages/s`)
  vm.runFor(DIRTY_EPOCH_CYCLES) // past the start-up writes
  return vm
}

/** Dirty pages per second of virtual time over `seconds`, optionally with a dirty log collected every `collectEvery` cycles. */
function measure(vm: Vm, seconds: number, collectEvery = 0): { rate: number; logged: number } {
  const before = vm.stats()
  let logged = 0
  if (collectEvery > 0) {
    vm.dirtyLog.start()
    for (let t = 0; t < seconds * SECOND; t += collectEvery) {
      vm.runFor(collectEvery)
      logged += vm.dirtyLog.collect().length
    }
    vm.dirtyLog.stop()
  } else vm.runFor(seconds * SECOND)
  const after = vm.stats()
  expect(vm.halt).toBeNull()
  return { rate: (after.dirtyPages - before.dirtyPages) / ((after.virtualCycles - before.virtualCycles) / SECOND), logged }
}

describe('dirty-page statistics', () => {
  const rates: Record<string, number> = {}
  it.each(MODES)('%s: live without a dirty log, at the workload rate', (mode) => {
    const vm = dirtyVm(mode)
    const { rate } = measure(vm, 1)
    rates[mode] = rate
    // the workload's pages plus the few the kernel writes every epoch (stacks, scheduler and timer state)
    expect(rate).toBeGreaterThan(RATE * 0.99)
    expect(rate).toBeLessThan(RATE * 1.05)
  })

  it('both modes count the same', () => {
    const [a, b] = MODES.map((m) => rates[m])
    expect(Math.abs(a - b) / a).toBeLessThan(0.02)
  })

  it.each(MODES)('%s: a running dirty log (collected every 50 ms) leaves the statistics unchanged', (mode) => {
    const vm = dirtyVm(mode)
    const { rate, logged } = measure(vm, 0.5, 50_000_000)
    expect(Math.abs(rate - rates[mode]) / rates[mode]).toBeLessThan(0.03)
    // the log itself still sees the workload: ~100 pages per 50 ms collect
    expect(logged).toBeGreaterThan(RATE * 0.5 * 0.99)
    expect(logged).toBeLessThan(RATE * 0.5 * 1.1)
  })
})
