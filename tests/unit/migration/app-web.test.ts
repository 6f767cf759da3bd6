// App-driven migrations of a VM serving the guest kernel's `web` workload on its virtio NIC, through the service
// and two real host workers: the service's migration runs the host load client (probe, then requests every
// virtual ms), hands it to the destination host's network with the VM, and records the latency timeline. Pre-copy:
// every request answered exactly once, in the server's counter order, and the longest silence matches the
// downtime QEMU's statistics report. Post-copy back: the NIC's state moves at the switch, missing pages (the
// guest's and the NIC's DMA pages) are fetched on demand, every request is still answered exactly once.
import { describe, expect, it } from 'vitest'
import { migrationsOf } from '../../../src/main/service/migrations'
import type { MigrationRecord } from '../../../src/shared/contract'
import { realEngineService, until } from '../service/helpers'
import { consoleText, expectBlip, expectEveryRequestOnce, settled as settledIn, startWebVm, watchMigrations } from './web-vm'

const { service } = realEngineService('wb-migweb-')
const progress = watchMigrations(service)
const text = (id: string): string => consoleText(service, id)
const settled = (id: string): Promise<MigrationRecord> => settledIn(progress, id)
type Mode = 'hardware-assisted' | 'trap-and-emulate'
const webVm = (name: string, mode: Mode): Promise<string> => startWebVm(service, name, mode, 'virtio')

/** Pre-copy at 2 MB/s (one round of mostly zero pages, then the switch): the blip matches the downtime. */
async function precopyWithBlip(vmId: string, target: string, mode: Mode): Promise<MigrationRecord> {
  const pre = await migrationsOf(service).start(vmId, target, { 'max-bandwidth': 2_000_000 })
  const r1 = await settled(pre.id)
  expect(service.vms.get(vmId).hostId).toBe(target)
  expectBlip(r1, `pre-copy ${mode}`)
  expect(r1.client?.intervalMs).toBe(1)
  // live: the timeline grew during the migration, before it finished
  expect(progress.some((p) => p.id === pre.id && !p.finished && p.latency.length > 0)).toBe(true)
  return r1
}

/** Post-copy at 2 MB/s: pages (the guest's and its NIC's) fetched on demand, every request answered once,
 * requests answered while pages were still missing. */
async function postcopyAnswered(vmId: string, target: string, mode: Mode): Promise<MigrationRecord> {
  const post = await migrationsOf(service).start(vmId, target, { 'postcopy-ram': true, 'max-bandwidth': 2_000_000 })
  const r2 = await settled(post.id)
  expect(r2.info.status).toBe('completed')
  expect(r2.destination.status).toBe('resumed')
  expect(r2.info['postcopy-requests']).toBeGreaterThan(0)
  expect(service.vms.get(vmId).hostId).toBe(target)
  expectEveryRequestOnce(r2)
  const c2 = r2.client as NonNullable<MigrationRecord['client']>
  const during = r2.latency.filter((p) => p.tMs > (r2.info.downtime ?? 0) && p.tMs < r2.info['total-time'])
  expect(during.length).toBeGreaterThan(10)
  console.log(
    `[post-copy ${mode}] downtime ${(r2.info.downtime ?? 0).toFixed(3)} ms, total ${r2.info['total-time'].toFixed(1)} ms, ${during.length} requests answered during it, postcopy-requests ${r2.info['postcopy-requests']}, worst gap ${c2.maxGapMs.toFixed(3)} ms, worst latency ${c2.maxLatencyMs.toFixed(3)} ms, ${c2.sent} requests`
  )
  return r2
}

describe('app-driven migration of a web VM with its load client', () => {
  it('pre-copy to host-b: blip = downtime; post-copy back to host-a and a cancelled one: answered exactly once', async () => {
    const vmId = await webVm('web', 'hardware-assisted')
    const r1 = await precopyWithBlip(vmId, 'host-b', 'hardware-assisted')
    const pre = r1
    const c1 = r1.client as NonNullable<MigrationRecord['client']>
    const downtime = r1.info.downtime ?? Number.NaN
    const vm = { id: vmId }
    // post-copy back to host-a
    await postcopyAnswered(vm.id, 'host-a', 'hardware-assisted')
    // a migration cancelled in pre-copy: the client stays with the source and ends there, every request answered
    const slow = await migrationsOf(service).start(vm.id, 'host-b', { 'max-bandwidth': 125_000 })
    await until(() => progress.find((p) => p.id === slow.id && p.info.transferred > 0 && p.latency.some((x) => x.tMs > 0)), 60_000)
    await migrationsOf(service).cancel(slow.id)
    const r3 = await settled(slow.id)
    expect(r3.info.status).toBe('cancelled')
    expect(service.vms.get(vm.id).hostId).toBe('host-a')
    expectEveryRequestOnce(r3, 20)
    // the history's CSV carries the client's figures next to the downtime
    const csv = migrationsOf(service).exportHistory('csv').text.split('\n')
    const head = csv[0].split(',')
    const row = csv.find((l) => l.startsWith(`${pre.id},`))?.split(',') ?? []
    expect(Number(row[head.indexOf('client_max_gap_ms')])).toBeCloseTo(c1.maxGapMs, 6)
    expect(Number(row[head.indexOf('downtime_ms')])).toBeCloseTo(downtime, 6)
    expect(Number(row[head.indexOf('client_answered')])).toBe(c1.sent)
    // the guest never restarted and still serves after both moves
    expect(text(vm.id).match(/web: serving/g)?.length).toBe(1)
    expect(service.vms.rt(vm.id).state).toBe('running')
    // alone on each host from here (the hosts' VMs share one network clock: docs/migration.md)
    await service.stop(vm.id)
  }, 240_000)

  it('trap-and-emulate: pre-copy blip = downtime, post-copy answered exactly once', async () => {
    const vmId = await webVm('web-tne', 'trap-and-emulate')
    await precopyWithBlip(vmId, 'host-b', 'trap-and-emulate')
    await postcopyAnswered(vmId, 'host-a', 'trap-and-emulate')
    expect(text(vmId).match(/web: serving/g)?.length).toBe(1)
  }, 240_000)
})
