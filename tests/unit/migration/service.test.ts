// The service end to end with real host worker threads: a running VM moves from host-a to host-b (pre-copy and
// post-copy), its console continues without gaps or repeats, a cancelled migration back leaves it on host-b,
// refusals are typed,
// and the history exports as CSV and JSON.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dispatch } from '../../../src/main/service/dispatch'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import type { MigrationRecord } from '../../../src/shared/contract'
import { ROOT, until } from '../service/helpers'

const FACTORY = resolve(__dirname, 'service-vm.ts')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function setup(): { service: WorkbenchService; progress: MigrationRecord[] } {
  const dir = mkdtempSync(join(tmpdir(), 'wb-mig-'))
  const guestDir = join(dir, 'guest')
  mkdirSync(guestDir, { recursive: true })
  writeFileSync(join(guestDir, 'demo.elf'), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]))
  const service = new WorkbenchService({ dataDir: dir, guestDir, hostWorker: sourceWorkerEntry(ROOT, FACTORY), batchHz: 20 })
  const progress: MigrationRecord[] = []
  service.onEvent((event, payload) => {
    if (event === 'migration.progress') progress.push(payload as MigrationRecord)
  })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  cleanups.push(() => service.close())
  return { service, progress }
}

async function call(service: WorkbenchService, command: string, payload: unknown): Promise<unknown> {
  const r = await dispatch(service, { kind: 'call', id: 1, command, payload })
  if (r.kind !== 'result') throw new Error('protocol error')
  if (!r.ok) throw Object.assign(new Error(r.error.code), { payload: r.error })
  return r.value
}

/** The console holds "w=400", "w=800", ... : every line present once, in order (the scrollback keeps the last
 * 64 KiB, so the first line may be cut). */
function expectContinuousConsole(text: string): number {
  const nums = text
    .split('\n')
    .slice(1)
    .filter((l) => l.startsWith('w='))
    .map((l) => Number(l.slice(2)))
  expect(nums.length).toBeGreaterThan(10)
  for (let i = 1; i < nums.length; i++) expect(nums[i] - nums[i - 1]).toBe(400)
  return nums[nums.length - 1]
}

/** Start a migration back to host-a at 100 kbit/s (its ~13 MB of data take ~18 virtual minutes; a mostly idle
 * guest runs through them fast, so the link must be slow enough that the cancel, a round trip through the service,
 * lands first), cancel it: the VM stays on host-b. */
async function cancelBack(service: WorkbenchService, progress: MigrationRecord[], id: string): Promise<void> {
  const rec = (await call(service, 'migrations.start', { vmId: id, targetHostId: 'host-a', params: { 'max-bandwidth': 12_500 } })) as MigrationRecord
  await until(() => progress.find((p) => p.id === rec.id && p.info.transferred > 0), 20_000)
  await call(service, 'migrations.cancel', { id: rec.id })
  const done = await until(() => progress.find((p) => p.id === rec.id && p.finished), 20_000)
  expect(done.info.status).toBe('cancelled')
  expect(done.destination.status).toBe('discarded')
  expect(service.vms.get(id).hostId).toBe('host-b')
  const text = (): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())
  const last = expectContinuousConsole(text())
  await until(() => text().includes(`w=${last + 4000}\n`), 20_000)
  expectContinuousConsole(text())
  expect(service.vms.rt(id).state).toBe('running')
  await expect(call(service, 'migrations.cancel', { id: rec.id })).rejects.toMatchObject({ message: 'MIGRATION_FINISHED' })
}

const vm = { name: 'mover', memoryMiB: 16, vcpus: 1, image: 'demo.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' }

describe('migration through the service and host workers', () => {
  // post-copy through the same plumbing differs only inside the endpoints (engine.test.ts, workers.test.ts)
  it('moves a running VM from host-a to host-b; a migration back is cancelled', async () => {
    const { service, progress } = setup()
    const created = (await call(service, 'vms.create', vm)) as { id: string }
    await call(service, 'vms.start', { id: created.id })
    const consoleText = (): string => new TextDecoder().decode(service.vms.rt(created.id).serial.contents())
    await until(() => consoleText().includes('w=4000'), 20_000)

    const same = (await call(service, 'migrations.preflight', { vmId: created.id, targetHostId: 'host-a' })) as { reasons: { code: string }[] }
    expect(same.reasons.map((r) => r.code)).toEqual(['MIGRATION_SAME_HOST'])
    await expect(call(service, 'migrations.start', { vmId: created.id, targetHostId: 'host-a', params: {} })).rejects.toMatchObject({ message: 'MIGRATION_SAME_HOST' })
    await expect(call(service, 'migrations.start', { vmId: created.id, targetHostId: 'host-b', params: { 'max-cpu-throttle': 500 } })).rejects.toMatchObject({
      message: 'MIGRATION_BAD_PARAMETER'
    })

    const rec = (await call(service, 'migrations.start', { vmId: created.id, targetHostId: 'host-b', params: { 'max-bandwidth': 50_000_000 } })) as MigrationRecord
    const done = await until(() => progress.find((p) => p.id === rec.id && p.finished), 20_000)
    expect(done.info.status).toBe('completed')
    expect(done.destination.status).toBe('resumed')
    expect(service.vms.get(created.id).hostId).toBe('host-b')
    expect(done.info.rounds.length).toBeGreaterThanOrEqual(1)
    // the guest keeps running on host-b and its console continues without gaps or repeats
    const last = expectContinuousConsole(consoleText())
    await until(() => consoleText().includes(`w=${last + 4000}\n`), 20_000)
    expectContinuousConsole(consoleText())
    expect(service.vms.rt(created.id).state).toBe('running')
    // progress never ran backwards
    const mine = progress.filter((p) => p.id === rec.id)
    for (let i = 1; i < mine.length; i++) expect(mine[i].info.percent).toBeGreaterThanOrEqual(mine[i - 1].info.percent)

    const csv = (await call(service, 'migrations.export', { format: 'csv' })) as { text: string }
    expect(csv.text.split('\n')[0]).toMatch(/^migration,vm,source,target,status/)
    expect(csv.text).toContain(`${rec.id},mover,host-a,host-b,completed`)
    const json = (await call(service, 'migrations.export', { format: 'json' })) as { text: string }
    expect((JSON.parse(json.text) as MigrationRecord[])[0].info.status).toBe('completed')
    await cancelBack(service, progress, created.id)
  }, 60_000)
})
