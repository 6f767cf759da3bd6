// Both virtualization modes run the same S-mode test guest (CSRs, SBI, UART MMIO, Sv32 with run-time page-table
// updates, traps from U, timer + WFI) with identical output and very different exit profiles.
import { describe, expect, it } from 'vitest'
import { MODES, fixture, makeVm, runUntil, totalExits } from './helpers'

const EXPECTED = [
  'sbi: hello',
  'uart: hello',
  'cmdline: from-the-vmm mem=16M',
  'spec 02000000 probe-time 00000001 probe-bogus 00000000',
  'csr 1234abcd 0000000100000000',
  'uart scratch 000000a5',
  'paging on',
  'kernel pte AD 00000001',
  'u',
  '11223344',
  'demand map',
  '5a5a1234',
  'denied',
  'back in kernel',
  'pte atomics 000000d7 000000d7 000000d7',
  'TTT',
  'ticks 00000003',
  'done',
  ''
].join('\n')

describe('S-mode test guest in both modes', () => {
  const elf = fixture('sguest.elf')
  const runs = Object.fromEntries(
    MODES.map((mode) => {
      const vm = makeVm(elf, mode, { cmdline: 'from-the-vmm' })
      const { out } = runUntil(vm)
      return [mode, { vm, out }]
    })
  )

  it.each(MODES)('%s prints the expected transcript and powers off cleanly', (mode) => {
    const { vm, out } = runs[mode]
    expect(out).toBe(EXPECTED)
    expect(vm.halt).toEqual({ kind: 'poweroff', exitCode: 0 })
  })

  it('has identical output and instruction counts, and trap-and-emulate takes far more exits', () => {
    const tne = runs['trap-and-emulate'].vm
    const hw = runs['hardware-assisted'].vm
    expect(runs['trap-and-emulate'].out).toBe(runs['hardware-assisted'].out)
    expect(tne.stats().instructions).toBe(hw.stats().instructions)
    const t = tne.stats().exits
    const h = hw.stats().exits
    // trap-and-emulate: privileged instructions, shadow fills, the guest's PTE store, faults it reflects
    expect(t['privileged-insn']).toBeGreaterThan(50)
    expect(t['shadow-page-fault']).toBeGreaterThan(5)
    // the PTE stores into the write-protected leaf table: demand paging (sw), then amoor.w and sc.w
    expect(t['pt-write']).toBe(3)
    expect(t['guest-page-fault-injected']).toBe(2) // the demand fault and the denied kernel access
    expect(t['trap-reflected']).toBe(5) // five syscalls from user mode
    expect(t['ept-violation']).toBe(0)
    // hardware-assisted: the guest handles its own traps; the VMM sees EPT faults, SBI, MMIO, WFI, timer
    expect(h['privileged-insn'] + h['shadow-page-fault'] + h['pt-write'] + h['guest-page-fault-injected'] + h['trap-reflected']).toBe(0)
    expect(h['ept-violation']).toBeGreaterThan(3)
    for (const r of ['sbi', 'mmio', 'wfi', 'timer'] as const) expect(t[r]).toBe(h[r])
    expect(totalExits(tne)).toBeGreaterThan(totalExits(hw) + 100)
    // every exit is charged: virtual time = instructions + trapped instructions + exit costs
    expect(tne.stats().exitCycles).toBeGreaterThan(hw.stats().exitCycles)
    expect(tne.stats().virtualCycles).toBeGreaterThan(tne.stats().exitCycles + tne.stats().instructions - 1)
  })

  it('charges each exit the configured costs (config.costs overrides)', () => {
    for (const mode of MODES) {
      const one = makeVm(elf, mode, { costs: { vmExit: 1, insnEmulation: 0, userspaceExit: 0, shadowPageFill: 0, eptFill: 0, sbiHandler: 0 } })
      runUntil(one)
      expect(one.stats().exitCycles).toBe(totalExits(one))
      // user-space round trips: every MMIO access plus the 11 SBI console bytes of "sbi: hello\n"
      const user = makeVm(elf, mode, { costs: { vmExit: 0, insnEmulation: 0, userspaceExit: 1000, shadowPageFill: 0, eptFill: 0, sbiHandler: 0 } })
      runUntil(user)
      expect(user.stats().exitCycles).toBe(1000 * (user.stats().exits.mmio + 11))
    }
  })

  it('an idle guest (WFI until its next 1 ms tick) advances one timer event per small step, and runFor stops at its target', () => {
    for (const mode of MODES) {
      const vm = makeVm(elf, mode)
      runUntil(vm, (o) => o.includes('d7\n'), 400, 50)
      const t1 = vm.virtualCycles
      vm.runFor(300_000)
      expect(vm.virtualCycles - t1).toBeGreaterThanOrEqual(300_000)
      expect(vm.virtualCycles - t1).toBeLessThan(300_000 + 50_000)
      let jump = 0
      for (let i = 0; i < 100 && !vm.halt; i++) {
        const t0 = vm.virtualCycles
        vm.step(10)
        jump = Math.max(jump, vm.virtualCycles - t0)
      }
      expect(jump).toBeGreaterThan(100_000) // it idled to a tick...
      expect(jump).toBeLessThan(1_200_000) // ...and no further than about one 1 ms tick
    }
  })

  it('is deterministic: the same run twice gives identical counters, time and output', () => {
    for (const mode of MODES) {
      const vm = makeVm(elf, mode, { cmdline: 'from-the-vmm' })
      const { out } = runUntil(vm)
      expect(out).toBe(runs[mode].out)
      expect(vm.stats()).toEqual(runs[mode].vm.stats())
    }
  })
})
