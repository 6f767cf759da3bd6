// A misbehaving guest halts only its own VM, with a coded reason; step() never throws; a neighbour keeps running.
import { describe, expect, it } from 'vitest'
import { MODES, fixture, makeVm, runUntil } from './helpers'

const CASES: [string, string][] = [
  ['i', 'GUEST_ILLEGAL_STORM'],
  ['t', 'GUEST_TRIPLE_FAULT'],
  ['w', 'GUEST_WILD_MMIO'],
  ['l', 'GUEST_HUNG']
]

describe.each(MODES)('%s', (mode) => {
  const elf = fixture('misbehave.elf')

  it.each(CASES)('cmdline %s → crash %s, contained', (cmd, code) => {
    const bad = makeVm(elf, mode, { cmdline: cmd })
    const good = makeVm(fixture('sguest.elf'), mode)
    let status = ''
    for (let i = 0; i < 50 && !bad.halt; i++) {
      status = bad.step(100_000).status
      good.step(100_000)
    }
    expect(status).toBe('crashed')
    expect(bad.halt?.kind).toBe('crash')
    expect(bad.halt?.code).toBe(code)
    expect(bad.step(1000)).toEqual({ executed: 0, status: 'crashed' })
    expect(runUntil(good).out.endsWith('done\n')).toBe(true)
    expect(good.halt).toEqual({ kind: 'poweroff', exitCode: 0 })
  })

  it('names the offending address of a wild access', () => {
    const vm = makeVm(elf, mode, { cmdline: 'w' })
    runUntil(vm)
    expect(vm.halt?.params).toMatchObject({ gpa: '0x20000000' })
  })

  it('a well-behaved run of the same image powers off', () => {
    const vm = makeVm(elf, mode, { cmdline: 'x' })
    expect(runUntil(vm).out).toBe('ok')
    expect(vm.halt).toEqual({ kind: 'poweroff', exitCode: 0 })
  })
})

describe.each(MODES)('SBI system reset (%s)', (mode) => {
  it('a cold reboot reloads the image and enters the kernel again, counters keep running', () => {
    const vm = makeVm(fixture('misbehave.elf'), mode, { cmdline: 'r' })
    // the guest polls SBI getchar in between: small slices keep the test quick
    expect(runUntil(vm, (o) => o === 'b', 400, 5_000).out).toBe('b')
    const before = vm.stats()
    vm.ram[0x10000] = 0xaa // scribble: the reboot must clear RAM
    vm.sendSerial(new Uint8Array([0x78]))
    expect(runUntil(vm, (o) => o === 'b', 400, 5_000).out).toBe('b')
    expect(vm.halt).toBeNull()
    expect(vm.ram[0x10000]).toBe(0)
    expect(vm.stats().instructions).toBeGreaterThan(before.instructions)
    expect(vm.stats().exits.sbi).toBeGreaterThan(before.exits.sbi)
  })
})
