// The boot choice through the service, on the real VMM in a host worker: the definition's choice becomes the
// kernel command line (with the VMM's net= and mem=), and the real guest kernel runs what was chosen. The numbers
// checked are the kernel's own output, recomputed independently in tests/unit/guest/reference.ts.
import { describe, expect, it } from 'vitest'
import { dispatch } from '../../../src/main/service/dispatch'
import { attestationHandlers } from '../../../src/main/service/handlers/attestation'
import type { CommandName, ErrorPayload, RequestOf, VmCreateRequest } from '../../../src/shared/contract'
import { cpuChecksum, primesBelow } from '../guest/reference'
import { realEngineService, until } from '../service/helpers'

const { service } = realEngineService('wb-boot-')
const base: VmCreateRequest = { name: 'x', memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: false, hostId: 'host-a' }
const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents()).replace(/\r\n/g, '\n')
const cmdlineOf = (id: string): string => /^cmdline: (.*)$/m.exec(text(id))?.[1] ?? ''

async function call<N extends CommandName>(command: N, payload: RequestOf<N>): Promise<{ ok: true; value: unknown } | { ok: false; error: ErrorPayload }> {
  const r = await dispatch(service, { kind: 'call', id: 1, command, payload })
  if (r.kind !== 'result') throw new Error('protocol error')
  return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error }
}

async function boot(req: VmCreateRequest, until_: string, ms = 90_000): Promise<string> {
  const vm = service.create(req)
  await service.start(vm.id)
  await until(() => text(vm.id).includes(until_), ms)
  return vm.id
}

describe('boot choice → kernel command line → what the guest runs', () => {
  it('a 64 MiB VM is told its size: the kernel manages 65536 KiB and a 40 MiB dirty working set fits', async () => {
    const id = await boot({ ...base, name: 'big', memoryMiB: 64, boot: { kind: 'dirty', pages: 10240, rate: 0, spin: false } }, 'dirty: pass 2 done')
    const out = text(id)
    expect(out).toMatch(/^memory: 65536 KiB at 0x80000000, kernel /m)
    // free pages: 64 MiB minus the kernel image and its page tables (16 level-0 tables for 16384 pages + devices)
    const free = Number(/(\d+) pages free/.exec(out)?.[1])
    expect(free).toBeGreaterThan(16384 - 200)
    expect(free).toBeLessThan(16384 - 16)
    expect(out).toContain('dirty: working set 10240 pages (40960 KiB), rate 0 pages/s, passes 0')
    expect(out).not.toContain('does not fit')
    expect(cmdlineOf(id)).toBe('console=ttyS0 selftest=0 workload=dirty dirty.pages=10240 dirty.rate=0 mem=64M')
    // the dirtier writes the whole working set each pass: the VMM's dirty log sees at least that many pages
    const stats = await until(() => service.vms.rt(id).stats, 10_000)
    expect(stats.dirtyPages).toBeGreaterThanOrEqual(10240)
    await service.stop(id)
  }, 150_000)

  it('runs the CPU workload, the self-test, or only the shell, as chosen', async () => {
    const cpu = await boot({ ...base, name: 'cpu', boot: { kind: 'cpu', iters: 12345 } }, 'wb$ ')
    expect(text(cpu)).toContain(`cpu: 12345 iterations, checksum ${cpuChecksum(12345)}`)
    expect(text(cpu)).not.toContain('selftest:')
    expect(cmdlineOf(cpu)).toBe('console=ttyS0 selftest=0 workload=cpu cpu.iters=12345 mem=16M')

    const st = await boot({ ...base, name: 'st', memoryMiB: 32, boot: { kind: 'selftest' } }, 'wb$ ')
    expect(text(st)).toContain(`[1] primes: ${primesBelow(30000)} primes below 30000`)
    expect(text(st)).toContain('selftest: 4 processes finished, 0 failed')
    expect(text(st)).toMatch(/^memory: 32768 KiB/m)

    // no boot field: the default is the shell alone
    const sh = await boot({ ...base, name: 'sh' }, 'wb$ ')
    expect(service.vms.get(sh).boot).toEqual({ kind: 'shell' })
    expect(text(sh)).not.toContain('selftest:')
    expect(cmdlineOf(sh)).toBe('console=ttyS0 selftest=0 mem=16M')
    for (const id of [cpu, st, sh]) await service.stop(id)
  }, 150_000)

  it('a web-server VM with a virtio NIC serves on it; its vTPM measured the same line and attests', async () => {
    const id = await boot({ ...base, name: 'web', memoryMiB: 32, nic: 'virtio', vtpm: true, boot: { kind: 'web' } }, 'web: serving')
    expect(text(id)).toMatch(/^web: serving on virtio-net 52:54:00:[0-9a-f:]{8} \(ethertype 0x88b6\), 0 requests$/m)
    const line = 'console=ttyS0 selftest=0 workload=web net=virtio mem=32M'
    expect(cmdlineOf(id)).toBe(line)
    const state = await attestationHandlers['attestation.state']({ vmId: id }, service)
    expect(state.booted.cmdline).toBe(line)
    expect(state.events.every((e) => e.matchesReference)).toBe(true)
    const report = await attestationHandlers['attestation.attest']({ vmId: id, akKind: 'ecc' }, service)
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([])
    await service.stop(id)
  }, 150_000)

  it('edits the boot choice of a stopped VM only; the next boot runs the new choice', async () => {
    const vm = service.create({ ...base, name: 'edit' })
    await service.start(vm.id)
    await until(() => text(vm.id).includes('wb$ '), 90_000) // its output is all in before it stops
    expect(await call('vms.setBoot', { id: vm.id, boot: { kind: 'cpu', iters: 77 } })).toEqual({ ok: false, error: { code: 'VM_BAD_STATE', params: { id: vm.id, state: 'running', action: 'edit' } } })
    await service.stop(vm.id)
    const r = await call('vms.setBoot', { id: vm.id, boot: { kind: 'cpu', iters: 77 } })
    expect(r.ok && (r.value as { boot: unknown }).boot).toEqual({ kind: 'cpu', iters: 77 })
    await service.start(vm.id)
    await until(() => text(vm.id).includes('cpu: 77 iterations'), 90_000)
    expect(text(vm.id)).toContain(`cpu: 77 iterations, checksum ${cpuChecksum(77)}`)
    expect(cmdlineOf(vm.id)).toBe('console=ttyS0 selftest=0 workload=cpu cpu.iters=77 mem=16M')
    await service.stop(vm.id)
    // a working set that cannot fit is refused with the numbers the message needs
    expect(await call('vms.setBoot', { id: vm.id, boot: { kind: 'dirty', pages: 4000, rate: 10, spin: true } })).toEqual({
      ok: false,
      error: { code: 'VM_BOOT_DIRTY_FIT', params: { pages: 4000, max: 16 * 256 - 512, memoryMiB: 16 } }
    })
  }, 150_000)

  it('refuses more than one vCPU, and bad boot numbers, with translated codes', async () => {
    expect(await call('vms.create', { ...base, name: 'smp', vcpus: 2 })).toEqual({ ok: false, error: { code: 'VM_VCPUS_UNIPROCESSOR', params: { vcpus: 2, max: 1 } } })
    const bad = await call('vms.create', { ...base, name: 'bad', boot: { kind: 'dirty', pages: 0, rate: 5, spin: false } })
    expect(bad).toEqual({ ok: false, error: { code: 'REQUEST_INVALID', params: { command: 'vms.create', field: 'boot.pages', reason: 'VM_BOOT_DIRTY_PAGES' } } })
    expect(service.vms.findByName('smp')).toBeUndefined()
  })
})
