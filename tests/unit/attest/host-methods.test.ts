// End to end with the real VMM: createVm attaches the vTPM, its virtual firmware measures the real guest kernel,
// and the worker-side methods answer a remote verifier that checks against the golden values.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { attestationHostMethodImpls as m } from '../../../src/main/engine/attest/host-methods'
import { computeReferenceValues } from '../../../src/main/engine/attest/reference'
import { RemoteVerifier } from '../../../src/main/engine/attest/verifier'
import { createVm } from '../../../src/main/engine/vmm/api'
import type { VmInstance } from '../../../src/main/engine/vmm/api'
import { createVmTpm, ManufacturerCa, parseEventLog, VTpm, vmBootImages } from '../../../src/main/engine/vtpm'
import { toHex } from '../../../src/main/engine/vtpm/marshal'
import { vmmCmdline } from '../../../src/main/engine/vmm/cmdline'
import { INSTALL_SEED, seededRandom } from './helpers'

const KERNEL = join(__dirname, '../../../resources/guest/kernel.elf')

describe('attestation inside the host worker, with the VMM’s measured boot', () => {
  it('the VMM measures the kernel it loads; the worker-side agent passes every check; state survives saveState', (ctx) => {
    if (!existsSync(KERNEL)) return ctx.skip('resources/guest/kernel.elf not built (npm run guest)')
    const elf = new Uint8Array(readFileSync(KERNEL))
    const vm = createVm({ name: 'att', memoryMiB: 32, mode: 'hardware-assisted', nic: 'none', vtpm: true, cmdline: 'console=ttyS0' }, elf)
    if (!vm.attachVtpm) return ctx.skip('this VMM build cannot attach a vTPM')
    vm.attachVtpm(createVmTpm(INSTALL_SEED, 'vm-att'))
    const rt = { instance: (_id: string): VmInstance => vm }
    const state = m['attest.state'](rt, { vmId: 'vm-att' })
    if (!state) throw new Error('no vTPM state')
    const events = parseEventLog(VTpm.deserialize(state).eventLog)
    expect(events.map((e) => e.pcr)).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7, 4, 8])
    // the kernel event's digest is the hash of the ELF the VMM loaded
    expect(toHex(events[9].digests.sha256)).toBe(computeReferenceValues(vmBootImages(elf)).kernelSha256)
    vm.step(20000) // the guest runs; nothing it does changes the boot measurements
    const verifier = new RemoteVerifier({
      caCertificate: new ManufacturerCa(INSTALL_SEED).certificate,
      // the VMM tells the kernel its RAM size on the command line it boots (and measures): mem=32M
      reference: computeReferenceValues(vmBootImages(elf, vmmCmdline('console=ttyS0', { nic: 'none', memoryMiB: 32 }))),
      random: seededRandom('worker')
    })
    const challenge = verifier.challenge(m['attest.identity'](rt, { vmId: 'vm-att', akKind: 'ecc' }))
    const report = verifier.verify(m['attest.respond'](rt, { vmId: 'vm-att', akKind: 'ecc', challenge }))
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([])
    const blob = m['attest.seal'](rt, { vmId: 'vm-att', secret: Uint8Array.of(4, 2) })
    expect(Array.from(m['attest.unseal'](rt, { vmId: 'vm-att', blob }))).toEqual([4, 2])
    const machine = vm.saveState()
    expect(machine.vtpm && toHex(machine.vtpm)).toBe(toHex(vm.vtpm?.serialize() ?? new Uint8Array(0)))
    // what a snapshot revert or a migration's stop-and-copy does: another VM takes the state and quotes identically
    const copy = createVm({ name: 'att2', memoryMiB: 32, mode: 'hardware-assisted', nic: 'none', vtpm: true, cmdline: 'console=ttyS0' }, elf)
    copy.loadState(machine)
    const nonce = Uint8Array.of(1, 2, 3)
    expect(toHex(copy.vtpm?.quote('ecc', nonce).signature ?? new Uint8Array(0))).toBe(toHex(vm.vtpm?.quote('ecc', nonce).signature ?? Uint8Array.of(1)))
  })

  it('a VM without a vTPM is refused with VTPM_NOT_ENABLED', (ctx) => {
    if (!existsSync(KERNEL)) return ctx.skip('resources/guest/kernel.elf not built (npm run guest)')
    const vm = createVm({ name: 'plain', memoryMiB: 32, mode: 'trap-and-emulate', nic: 'none', vtpm: false }, new Uint8Array(readFileSync(KERNEL)))
    const rt = { instance: (): VmInstance => vm }
    expect(m['attest.state'](rt, { vmId: 'x' })).toBeNull()
    expect(() => m['attest.identity'](rt, { vmId: 'x', akKind: 'ecc' })).toThrow(/no vTPM/)
  })
})
