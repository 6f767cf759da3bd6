// The attestation commands against a VM that really runs: the service starts it in a host worker with its vTPM
// attached, the VMM's firmware measures the shipped kernel, and the verifier in the service checks the evidence
// the worker sends back. The tamper demo reboots the VM with a flipped kernel byte: the verifier names PCR 4.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { attestationHandlers as h } from '../../../src/main/service/handlers/attestation'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { WorkbenchService } from '../../../src/main/service/workbench-service'

const ROOT = resolve(__dirname, '../../..')
const GUEST_DIR = join(ROOT, 'resources/guest')
const dataDir = mkdtempSync(join(tmpdir(), 'wb-att-'))
const service = new WorkbenchService({ dataDir, guestDir: GUEST_DIR, hostWorker: sourceWorkerEntry(ROOT), batchHz: 20 })

afterAll(async () => {
  await service.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('attestation of a running VM', () => {
  it('attests the live vTPM, catches a tampered reboot, and passes again after a clean one', async (ctx) => {
    if (!existsSync(join(GUEST_DIR, 'kernel.elf'))) return ctx.skip('resources/guest/kernel.elf not built (npm run guest)')
    const vm = service.create({ name: 'attested', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: true, hostId: 'host-a' })
    await service.start(vm.id)
    const st = await h['attestation.state']({ vmId: vm.id }, service)
    expect(st.events).toHaveLength(11)
    expect(st.events.every((e) => e.matchesReference)).toBe(true)
    const ok = await h['attestation.attest']({ vmId: vm.id, akKind: 'ecc' }, service)
    expect(ok.checks.filter((c) => c.status !== 'pass')).toEqual([])

    const tampered = await h['attestation.reboot']({ vmId: vm.id, tamper: { kernelByte: 4000, cmdline: null } }, service)
    expect(service.vms.rt(vm.id).state).not.toBe('stopped')
    expect(tampered.events.filter((e) => !e.matchesReference).map((e) => e.pcr)).toEqual([4])
    const bad = await h['attestation.attest']({ vmId: vm.id, akKind: 'ecc' }, service)
    const ref = bad.checks.find((c) => c.id === 'reference-values')
    expect(ref?.code).toBe('ATTEST_REFERENCE_MISMATCH')
    expect(ref?.params).toMatchObject({ index: 10, pcr: 4, eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION' })

    await h['attestation.reboot']({ vmId: vm.id, tamper: { kernelByte: null, cmdline: null } }, service)
    expect((await h['attestation.attest']({ vmId: vm.id, akKind: 'ecc' }, service)).ok).toBe(true)
    const { blob } = await h['attestation.seal']({ vmId: vm.id, secret: 'live secret' }, service)
    expect((await h['attestation.unseal']({ vmId: vm.id, blob }, service)).secret).toBe('live secret')
    await service.stop(vm.id)
  })
})
