// The busy dirtier (dirty.spin=1) that bench/migration's primary figure uses: the same writes at the same
// virtual times as the sleeping dirtier, but the vCPU polls the clock instead of idling.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createVm } from '../../../src/main/engine/vmm/vm'

const ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')

/** Serial output per 5 ms slice of virtual time (so lines are compared with the time they appeared). */
function run(spin: boolean): { slices: string[]; instret: number } {
  const cmdline = `selftest=0 workload=dirty dirty.pages=400 dirty.rate=20000 dirty.passes=3 dirty.words=2${spin ? ' dirty.spin=1' : ''}`
  const vm = createVm({ name: 'spin', memoryMiB: 16, mode: 'hardware-assisted', nic: 'none', vtpm: false, cmdline }, new Uint8Array(readFileSync(ELF)))
  const slices: string[] = []
  // 3 passes of 400 pages at 20000 pages/s: 60 ms after the dirtier starts
  for (let i = 0; i < 20; i++) {
    vm.runFor(5_000_000)
    slices.push(new TextDecoder().decode(vm.drainSerial()))
  }
  return { slices, instret: vm.saveState().hart.instret }
}

describe.skipIf(!existsSync(ELF))('dirty.spin=1', () => {
  it('writes what the sleeping dirtier writes, at the same times, while the vCPU stays busy', () => {
    const sleeping = run(false)
    const busy = run(true)
    const same = (s: string): string => s.replace(', busy-waiting', '').replace(' dirty.spin=1', '')
    const all = busy.slices.join('')
    expect(all).toContain('rate 20000 pages/s, passes 3, busy-waiting')
    expect(all).toMatch(/dirty: pass 3 done[^]*dirty: done, checksum 0x[0-9a-f]{8}/)
    expect(same(all)).toBe(sleeping.slices.join(''))
    // the sleeping dirtier wakes on the kernel's 10 ms tick and catches up (its deadlines are absolute), the busy
    // one writes on time: each pass ends in the same 10 ms
    const at = (slices: string[], line: string): number => slices.findIndex((x) => x.includes(line))
    for (const line of ['pass 1 done', 'pass 2 done', 'pass 3 done']) {
      expect(at(busy.slices, line)).toBeGreaterThan(0)
      expect(Math.abs(at(busy.slices, line) - at(sleeping.slices, line))).toBeLessThanOrEqual(2)
    }
    // the sleeping guest idles between writes; the busy one executes instructions all along (100 ms ≈ 1e8)
    expect(busy.instret).toBeGreaterThan(5 * sleeping.instret)
    expect(busy.instret).toBeGreaterThan(50_000_000)
  })
})
