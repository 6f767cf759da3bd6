// Dirty logging in both modes (EPT write-protect + dirty bits / shadow write-protect faults): the guest writes
// known pages between handshakes on the serial line, and the log must name exactly those pages.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MODES, fixture, makeVm, runUntil } from './helpers'

describe.each(MODES)('dirty log in %s mode', (mode) => {
  it('collects exactly the pages the guest wrote, and re-arms after each collect', () => {
    const vm = makeVm(fixture('dirty.elf'), mode)
    // the guest polls SBI getchar between rounds: small slices keep the test quick
    expect(runUntil(vm, (o) => o.includes('R'), 400, 5_000).out).toBe('R')
    vm.dirtyLog.start()
    const before = vm.stats().dirtyPages
    vm.sendSerial(new Uint8Array([0x67]))
    expect(runUntil(vm, (o) => o.includes('D'), 400, 5_000).out).toBe('D')
    expect(Array.from(vm.dirtyLog.collect())).toEqual([0x100, 0x103, 0x106, 0x109, 0x10c])
    expect(vm.stats().dirtyPages - before).toBe(5)
    const exitsBefore = vm.stats().exits['dirty-log']
    vm.sendSerial(new Uint8Array([0x68]))
    expect(runUntil(vm, () => false, 400, 5_000).out).toBe('E')
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

describe.each(MODES)('dirty log under the guest kernel (%s): real page tables, user processes', (mode) => {
  it('every page whose bytes changed is in the log, and the log stays close to the working set', () => {
    const elf = new Uint8Array(readFileSync(join(__dirname, '../../../resources/guest/kernel.elf')))
    const vm = makeVm(elf, mode, { cmdline: 'selftest=0 workload=dirty dirty.pages=64 dirty.rate=2000' })
    runUntil(vm, (o) => o.includes('dirty: pass 1 done'), 400, 200_000)
    for (let round = 0; round < 3; round++) {
      vm.dirtyLog.start()
      const before = vm.ram.slice()
      vm.runFor(20_000_000) // 20 ms of virtual time: ~40 page writes at 2000 pages/s
      const logged = new Set(vm.dirtyLog.collect())
      vm.dirtyLog.stop()
      let changed = 0
      for (let p = 0; p < vm.ram.length / 4096; p++) {
        const a = before.subarray(p * 4096, (p + 1) * 4096)
        const b = vm.ram.subarray(p * 4096, (p + 1) * 4096)
        if (!Buffer.from(a).equals(Buffer.from(b))) {
          changed++
          expect(logged.has(p)).toBe(true)
        }
      }
      expect(changed).toBeGreaterThan(20)
      // the working-set pages plus a handful the kernel writes (stacks, page tables, timer state)
      expect(logged.size).toBeGreaterThanOrEqual(changed)
      expect(logged.size).toBeLessThan(changed + 24)
    }
  })
})
