// The VMM's virtual firmware measures the boot into an attached vTPM (kernel ELF, command line), again on reboot,
// and the vTPM travels in saveState/loadState.
import { describe, expect, it } from 'vitest'
import { createVmTpm, measureVmBoot, VTpm } from '../../../src/main/engine/vtpm'
import { fixture, makeVm, runUntil } from './helpers'

const SEED = new Uint8Array(32).fill(7)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('vTPM attached to a VM', () => {
  const elf = fixture('sguest.elf')

  it('measures the loaded kernel and command line into PCRs 4 and 8 before the first instruction', () => {
    const vm = makeVm(elf, 'hardware-assisted', { vtpm: true, cmdline: 'measured' })
    const tpm = createVmTpm(SEED, 'vm-1')
    vm.attachVtpm(tpm)
    expect(vm.vtpm).toBe(tpm)
    // the same measurements, computed independently on a fresh TPM of the same identity
    const ref = createVmTpm(SEED, 'vm-1')
    measureVmBoot(ref, elf, 'measured mem=16M') // the line the VMM boots: with the RAM size it tells the kernel
    for (const pcr of [0, 4, 8]) expect(hex(tpm.pcrRead('sha256', pcr))).toBe(hex(ref.pcrRead('sha256', pcr)))
    const other = createVmTpm(SEED, 'vm-1')
    measureVmBoot(other, elf, 'something else')
    expect(hex(tpm.pcrRead('sha256', 8))).not.toBe(hex(other.pcrRead('sha256', 8)))
    expect(hex(tpm.pcrRead('sha256', 4))).toBe(hex(other.pcrRead('sha256', 4)))
  })

  it('carries the vTPM through saveState/loadState into a fresh VM', () => {
    const a = makeVm(elf, 'trap-and-emulate', { vtpm: true })
    a.attachVtpm(createVmTpm(SEED, 'vm-2'))
    runUntil(a, (o) => o.includes('paging on'), 400, 50)
    const state = a.saveState()
    expect(state.vtpm).toBeInstanceOf(Uint8Array)
    const b = makeVm(elf, 'trap-and-emulate', { vtpm: true })
    b.ram.set(a.ram)
    b.loadState(state)
    expect(b.vtpm).toBeInstanceOf(VTpm)
    expect(hex(b.vtpm?.serialize() ?? new Uint8Array())).toBe(hex(a.vtpm?.serialize() ?? new Uint8Array(1)))
    expect(runUntil(b).out).toBe(runUntil(a).out)
  })

  it('a VM without a vTPM saves vtpm: null', () => {
    expect(makeVm(elf, 'hardware-assisted').saveState().vtpm).toBeNull()
  })
})
