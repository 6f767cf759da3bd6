// A host that a live migration is moving a VM onto holds that VM in its worker before the VM is placed there:
// removing the host (or replacing every host with a preset) is refused until the migration has ended.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../src/main/service/dispatch'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import type { CommandName, ErrorPayload, MigrationRecord, RequestOf } from '../../../src/shared/contract'
import { ROOT, until } from './helpers'

// the migration tests' VM: dirties pages and prints a counter, so a slow link keeps a migration going
const FACTORY = resolve(__dirname, '../migration/service-vm.ts')
const dir = mkdtempSync(join(tmpdir(), 'wb-hosts-mig-'))
mkdirSync(join(dir, 'guest'), { recursive: true })
writeFileSync(join(dir, 'guest', 'demo.elf'), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]))
const service = new WorkbenchService({ dataDir: dir, guestDir: join(dir, 'guest'), hostWorker: sourceWorkerEntry(ROOT, FACTORY), batchHz: 20 })
const progress: MigrationRecord[] = []
service.onEvent((event, payload) => {
  if (event === 'migration.progress') progress.push(payload as MigrationRecord)
})
afterAll(async () => {
  await service.close()
  rmSync(dir, { recursive: true, force: true })
})

async function call<N extends CommandName>(command: N, payload: RequestOf<N>): Promise<{ ok: boolean; value?: unknown; error?: ErrorPayload }> {
  const r = await dispatch(service, { kind: 'call', id: 1, command, payload })
  if (r.kind !== 'result') throw new Error('protocol error')
  return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error }
}

describe('a migration target host', () => {
  it('cannot be removed or replaced while a VM migrates onto it', async () => {
    expect((await call('hosts.create', { name: 'spare', cores: 2, memoryMiB: 256, iommu: false, sriovVfs: 0 })).ok).toBe(true)
    const vm = service.create({ name: 'mover', memoryMiB: 16, vcpus: 1, image: 'demo.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' })
    await service.start(vm.id)
    // 1 Mbit/s: minutes of virtual time for 16 MiB
    const started = await call('migrations.start', { vmId: vm.id, targetHostId: 'spare', params: { 'max-bandwidth': 125_000 } })
    const rec = started.value as MigrationRecord
    await until(() => progress.find((p) => p.id === rec.id && p.info.transferred > 0), 20_000)
    expect(service.hosts.existing('spare')).not.toBeNull()
    expect(await call('hosts.delete', { id: 'spare' })).toEqual({ ok: false, error: { code: 'HOST_MIGRATION_TARGET', params: { host: 'spare', vm: 'mover' } } })
    expect((await call('hosts.loadPreset', { preset: 'teaching-lab' })).error).toEqual({ code: 'HOST_MIGRATION_TARGET', params: { host: 'spare', vm: 'mover' } })
    expect(service.hostList().map((h) => h.id)).toEqual(['host-a', 'host-b', 'spare'])

    await call('migrations.cancel', { id: rec.id })
    await until(() => progress.find((p) => p.id === rec.id && p.finished), 20_000)
    expect(service.vms.get(vm.id).hostId).toBe('host-a')
    expect(await call('hosts.delete', { id: 'spare' })).toEqual({ ok: true, value: { ok: true } })
    expect(service.hosts.existing('spare')).toBeNull()
    await service.stop(vm.id)
  }, 60_000)
})
