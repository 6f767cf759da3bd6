// Dirty logging in both modes (EPT write-protect + dirty bits / shadow write-protect faults): the guest writes
// known pages between handshakes on the serial line, and the log must name exactly those pages.
import { describe, expect, it } from 'vitest'
import { MODES, fixture, makeVm, runUntil } from './helpers'

describe.each(MODES)('dirty log in %s mode', (mode) => {
  it('collects exactly the pages the guest wrote, and re-arms after each collect', () => {
    const vm = makeVm(fixture('dirty.elf'), mode)
    expect(runUntil(vm, (o) => o.includes('R')).out).toBe('R')
    vm.dirtyLog.start()
    const before = vm.stats().dirtyPages
    vm.sendSerial(new Uint8Array([0x67]))
    expect(runUntil(vm, (o) => o.includes('D')).out).toBe('D')
    expect(Array.from(vm.dirtyLog.collect())).toEqual([0x100, 0x103, 0x106, 0x109, 0x10c])
    expect(vm.stats().dirtyPages - before).toBe(5)
    const exitsBefore = vm.stats().exits['dirty-log']
    vm.sendSerial(new Uint8Array([0x68]))
    expect(runUntil(vm).out).toBe('E')
    expect(Array.from(vm.dirtyLog.collect())).toEqual([0x12c, 0x12d, 0x12e])
    // each first write to a clean page exited once (write-protect fault)
    expect(vm.stats().exits['dirty-log'] - exitsBefore).toBe(3)
    expect(Array.from(vm.dirtyLog.collect())).toEqual([])
    vm.dirtyLog.stop()
    expect(vm.halt).toEqual({ kind: 'poweroff', exitCode: 0 })
    expect(vm.ram[0x100 * 4096]).toBe(5)
    expect(vm.ram[0x12e * 4096 + 0xfff]).toBe(0x68)
  })
})
