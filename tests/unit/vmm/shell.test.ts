// Typing into the guest kernel's shell: received bytes raise the UART interrupt through the PLIC (S context),
// which the VMM injects as an external interrupt; the shell answers identically in both modes.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MODES, makeVm, runUntil } from './helpers'

const KERNEL = join(__dirname, '../../../resources/guest/kernel.elf')

describe.runIf(existsSync(KERNEL))('guest kernel shell over the emulated UART', () => {
  it.each(MODES)('%s: echo and poweroff typed on the serial line', (mode) => {
    const vm = makeVm(new Uint8Array(readFileSync(KERNEL)), mode, { cmdline: 'selftest=0' })
    const boot = runUntil(vm, (o) => o.includes('wb$ '), 100, 200_000).out
    expect(boot).toContain("shell: type 'help' for commands")
    // idle at the prompt: the VMM jumps virtual time from one timer tick to the next
    const t0 = vm.virtualCycles
    expect(runUntil(vm, () => false, 2, 2_000).out).toBe('')
    expect(vm.virtualCycles - t0).toBeGreaterThan(10_000_000) // at least one 10 ms tick per step
    expect(vm.virtualCycles - t0).toBeLessThan(30_000_000) // but not many: an idle VM must not race ahead
    // runFor never idles past its target
    const t1 = vm.virtualCycles
    vm.runFor(25_000_000)
    expect(vm.virtualCycles - t1).toBeGreaterThanOrEqual(25_000_000)
    expect(vm.virtualCycles - t1).toBeLessThan(25_050_000)
    const irqBefore = vm.stats().exits['external-irq']
    vm.sendSerial(new TextEncoder().encode('echo virtual hello\n'))
    const answer = runUntil(vm, (o) => o.includes('virtual hello\n'), 50, 20_000).out
    expect(answer).toContain('virtual hello')
    expect(vm.stats().exits['external-irq']).toBeGreaterThan(irqBefore)
    vm.sendSerial(new TextEncoder().encode('poweroff\n'))
    runUntil(vm, () => false, 50, 20_000)
    expect(vm.halt?.kind).toBe('poweroff')
  })
})
