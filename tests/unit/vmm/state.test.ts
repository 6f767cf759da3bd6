// saveState/loadState and post-copy: a VM resumed from a snapshot in a fresh VM (RAM copied by the caller, as
// snapshots and migration do) continues exactly like the original.
import { describe, expect, it } from 'vitest'
import { MODES, fixture, makeVm, runUntil } from './helpers'

describe.each(MODES)('%s', (mode) => {
  const elf = fixture('sguest.elf')

  it('save → load into a fresh VM → identical continued output and counters', () => {
    const a = makeVm(elf, mode)
    const head = runUntil(a, (o) => o.includes('paging on'), 400, 50).out
    expect(head).toContain('paging on')
    const state = structuredClone(a.saveState())
    JSON.stringify(state) // plain data
    const ram = a.ram.slice()
    const tailA = runUntil(a).out

    const b = makeVm(elf, mode)
    b.ram.set(ram)
    b.loadState(state)
    const tailB = runUntil(b).out
    expect(tailB).toBe(tailA)
    expect(tailB.endsWith('done\n')).toBe(true)
    expect(b.halt).toEqual(a.halt)
    expect(b.stats().instructions).toBe(a.stats().instructions)
  })

  it('rejects a state saved in the other mode', () => {
    const other = makeVm(elf, mode === 'trap-and-emulate' ? 'hardware-assisted' : 'trap-and-emulate')
    const vm = makeVm(elf, mode)
    expect(() => vm.loadState(other.saveState())).toThrow(/VM/)
  })

  it('post-copy: missing pages end runFor early as network faults until installed', () => {
    const src = makeVm(elf, mode)
    runUntil(src, (o) => o.includes('uart: hello'), 400, 50)
    const state = src.saveState()
    const dst = makeVm(elf, mode)
    dst.ram.fill(0)
    dst.loadState(state)
    dst.beginPostcopy()
    const requested: number[] = []
    let out = ''
    for (let i = 0; i < 20000 && !dst.halt; i++) {
      dst.runFor(1_000_000)
      out += Buffer.from(dst.drainSerial()).toString('latin1')
      const page = dst.missingPageFault
      if (page >= 0) {
        requested.push(page)
        dst.installPage(page, src.ram.subarray(page * 4096, (page + 1) * 4096))
        expect(dst.missingPageFault).toBe(-1)
      }
    }
    dst.endPostcopy()
    const tail = runUntil(src).out
    expect(out).toBe(tail)
    expect(requested[0]).toBe(0) // the code page at the start of RAM comes first
    expect(new Set(requested).size).toBe(requested.length)
    expect(requested.length).toBeGreaterThan(3)
    expect(requested.length).toBeLessThan(20)
  })
})

describe.each(MODES)('%s: loading a state into a VM that already powered off', (mode) => {
  it('runs again from the loaded state (revert after the guest halted)', () => {
    const vm = makeVm(fixture('sguest.elf'), mode)
    const state = vm.saveState()
    const ram = vm.ram.slice()
    const first = runUntil(vm).out
    expect(vm.halt?.kind).toBe('poweroff')
    vm.ram.set(ram)
    vm.loadState(state)
    expect(vm.halt).toBeNull()
    expect(runUntil(vm).out).toBe(first)
    expect(vm.halt?.kind).toBe('poweroff')
  })
})
