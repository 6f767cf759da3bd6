// The VM page's Migrate button asks 'migrations.blockers': why a VM cannot move anywhere. Through the service with
// real host workers (the synthetic dirtier guest): a stopped VM, an SR-IOV VF pinned to its host, a lone host,
// a migration already running; a running virtio VM with another host has none.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dispatch } from '../../../src/main/service/dispatch'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { DEFAULT_HOSTS } from '../../../src/main/service/hosts'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import type { MigrationRecord } from '../../../src/shared/contract'
import { ROOT, until } from '../service/helpers'

const FACTORY = resolve(__dirname, 'service-vm.ts')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function service(hosts = DEFAULT_HOSTS): WorkbenchService {
  const dir = mkdtempSync(join(tmpdir(), 'wb-migbtn-'))
  const guestDir = join(dir, 'guest')
  mkdirSync(guestDir, { recursive: true })
  writeFileSync(join(guestDir, 'demo.elf'), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]))
  writeFileSync(join(dir, 'hosts.json'), JSON.stringify(hosts))
  const s = new WorkbenchService({ dataDir: dir, guestDir, hostWorker: sourceWorkerEntry(ROOT, FACTORY), batchHz: 20 })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  cleanups.push(() => s.close())
  return s
}

async function call(s: WorkbenchService, command: string, payload: unknown): Promise<unknown> {
  const r = await dispatch(s, { kind: 'call', id: 1, command, payload })
  if (r.kind !== 'result') throw new Error('protocol error')
  if (!r.ok) throw Object.assign(new Error(r.error.code), { payload: r.error })
  return r.value
}

const blockers = async (s: WorkbenchService, vmId: string): Promise<{ code: string; params: Record<string, string | number> }[]> =>
  ((await call(s, 'migrations.blockers', { vmId })) as { reasons: { code: string; params: Record<string, string | number> }[] }).reasons

const vm = (name: string, nic: string) => ({ name, memoryMiB: 16, vcpus: 1, image: 'demo.elf', mode: 'hardware-assisted', nic, vtpm: false, hostId: 'host-a' })

describe('migrations.blockers (the VM page Migrate button)', () => {
  it('names every reason a VM cannot migrate, and none for a running virtio VM', async () => {
    const s = service()
    const web = (await call(s, 'vms.create', vm('web', 'virtio'))) as { id: string }
    expect(await blockers(s, web.id)).toEqual([{ code: 'MIGRATION_VM_NOT_RUNNING', params: { id: web.id, state: 'stopped' } }])
    await call(s, 'vms.start', { id: web.id })
    expect(await blockers(s, web.id)).toEqual([])

    const vf = (await call(s, 'vms.create', vm('pinned', 'sriov-vf'))) as { id: string }
    await call(s, 'vms.start', { id: vf.id })
    expect(await blockers(s, vf.id)).toEqual([{ code: 'MIGRATION_BLOCKED_PASSTHROUGH', params: { device: 'nic0', kind: 'sriov-vf' } }])
    // VF + virtio failover unplugs the VF before migrating: not blocked
    const failover = (await call(s, 'vms.create', vm('failover', 'vf-failover'))) as { id: string }
    await call(s, 'vms.start', { id: failover.id })
    expect(await blockers(s, failover.id)).toEqual([])

    // while it migrates (1 Mbit/s: minutes of virtual time), a second migration is blocked
    const rec = (await call(s, 'migrations.start', { vmId: web.id, targetHostId: 'host-b', params: { 'max-bandwidth': 125_000 } })) as MigrationRecord
    expect(await blockers(s, web.id)).toEqual([{ code: 'MIGRATION_IN_PROGRESS', params: { id: rec.id } }])
    await call(s, 'migrations.cancel', { id: rec.id })
    const progress: MigrationRecord[] = []
    s.onEvent((event, payload) => {
      if (event === 'migration.progress') progress.push(payload as MigrationRecord)
    })
    await until(() => progress.some((p) => p.id === rec.id && p.finished), 20_000)
    expect(await blockers(s, web.id)).toEqual([])
  }, 60_000)

  it('a VM on the only host has nowhere to go', async () => {
    const s = service([DEFAULT_HOSTS[0]])
    const web = (await call(s, 'vms.create', vm('alone', 'virtio'))) as { id: string }
    await call(s, 'vms.start', { id: web.id })
    expect(await blockers(s, web.id)).toEqual([{ code: 'MIGRATION_NO_OTHER_HOST', params: { host: 'host-a' } }])
  }, 30_000)
})
