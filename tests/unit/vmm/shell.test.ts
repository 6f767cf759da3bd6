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
    // tickless idle at the prompt: nothing pending, no timer: step() says so and leaves virtual time alone,
    // runFor lets the idle guest's clock run to its target
    const t0 = vm.virtualCycles
    expect(vm.step(2_000)).toEqual({ executed: 0, status: 'idle' })
    expect(vm.virtualCycles).toBe(t0)
    vm.runFor(25_000_000)
    expect(vm.virtualCycles - t0).toBe(25_000_000)
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
