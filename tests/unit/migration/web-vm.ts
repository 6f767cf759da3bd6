// Shared by the app-driven migration tests of web VMs (app-web, app-nics): a VM serving the guest kernel's `web`
// workload through the service, the migration records the service pushes, and the checks on the load client.
import { expect } from 'vitest'
import type { WorkbenchService } from '../../../src/main/service/workbench-service'
import type { MigrationRecord, NicModel, VirtMode } from '../../../src/shared/contract'
import { until } from '../service/helpers'

/** Every migration.progress record the service emits, in order. */
export function watchMigrations(service: WorkbenchService): MigrationRecord[] {
  const progress: MigrationRecord[] = []
  service.onEvent((event, payload) => {
    if (event === 'migration.progress') progress.push(payload as MigrationRecord)
  })
  return progress
}

export const consoleText = (service: WorkbenchService, id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())

/** A 16 MiB VM on `hostId` whose guest serves `web` on its NIC (typed `run web` at the shell). */
export async function startWebVm(service: WorkbenchService, name: string, mode: VirtMode, nic: NicModel, hostId = 'host-a'): Promise<string> {
  const vm = service.create({ name, memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode, nic, vtpm: false, hostId })
  await service.start(vm.id)
  await until(() => consoleText(service, vm.id).includes('wb$ '), 90_000)
  await service.sendSerial(vm.id, 'run web\r')
  await until(() => consoleText(service, vm.id).includes('web: serving on'), 30_000)
  return vm.id
}

/** Wait until the migration is over and its client has reported its last samples. */
export async function settled(progress: MigrationRecord[], id: string): Promise<MigrationRecord> {
  return until(() => progress.findLast((p) => p.id === id && p.finished && (p.client === null || p.client.status === 'done' || p.client.status === 'no-answer')), 120_000)
}

export function expectEveryRequestOnce(r: MigrationRecord, atLeast = 100): NonNullable<MigrationRecord['client']> {
  const c = r.client
  if (!c) throw new Error('no client')
  expect(c.status).toBe('done')
  expect(c.sent).toBeGreaterThan(atLeast)
  expect(c.answered).toBe(c.sent)
  expect(c.lost).toBe(0)
  expect(c.duplicates).toBe(0)
  expect(c.counterBreaks).toBe(0)
  expect(r.latency.length).toBe(c.answered)
  // samples in send order, from the probe (before the start) to the tail after the switch
  for (let i = 1; i < r.latency.length; i++) expect(r.latency[i].tMs).toBeGreaterThan(r.latency[i - 1].tMs)
  expect(r.latency[0].tMs).toBeLessThan(0)
  expect(Math.max(...r.latency.map((s) => s.latencyMs))).toBeCloseTo(c.maxLatencyMs, 6)
  return c
}

/** A completed pre-copy: the longest silence between answers and the worst latency match the reported downtime
 * within 10 % of it plus one request interval, and the worst request was sent during the migration. */
export function expectBlip(r: MigrationRecord, label: string): number {
  expect(r.info.status).toBe('completed')
  expect(r.destination.status).toBe('resumed')
  const c = expectEveryRequestOnce(r)
  const downtime = r.info.downtime ?? Number.NaN
  expect(downtime).toBeGreaterThan(5)
  const tolerance = 0.1 * downtime + c.intervalMs
  expect(Math.abs(c.maxGapMs - downtime)).toBeLessThanOrEqual(tolerance)
  expect(Math.abs(c.maxLatencyMs - downtime)).toBeLessThanOrEqual(tolerance)
  const worst = r.latency.reduce((a, b) => (b.latencyMs > a.latencyMs ? b : a))
  expect(worst.tMs).toBeGreaterThan(0)
  expect(worst.tMs).toBeLessThanOrEqual(r.info['total-time'])
  console.log(
    `[${label}] downtime ${downtime.toFixed(3)} ms, worst gap ${c.maxGapMs.toFixed(3)} ms, worst latency ${c.maxLatencyMs.toFixed(3)} ms, mean ${(c.meanLatencyMs * 1000).toFixed(1)} us, ${c.sent} requests`
  )
  return downtime
}
