// Shared by the tests that run the service with real host worker threads: the repository's root and guest
// images, a service on the real VMM that is closed and removed after the file's tests, and polling until ready.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll } from 'vitest'
import type { HostMethods } from '../../../src/main/engine/host/protocol'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { WorkbenchService } from '../../../src/main/service/workbench-service'

export const ROOT = resolve(__dirname, '../../..')
export const GUEST_DIR = join(ROOT, 'resources/guest')

/** A service with the real VMM in its host worker and the shipped guest images, on a new data directory named
 * after `prefix`; closed and the directory removed after all the calling file's tests. Call it at the top level. */
export function realEngineService(prefix: string): { service: WorkbenchService; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), prefix))
  const service = new WorkbenchService({ dataDir, guestDir: GUEST_DIR, hostWorker: sourceWorkerEntry(ROOT), batchHz: 20 })
  afterAll(async () => {
    await service.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return { service, dataDir }
}

/** Poll `f` every 20 ms until it returns something truthy, and return that; throw after `ms`. */
export async function until<T>(f: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const t0 = performance.now()
  for (;;) {
    const v = f()
    if (v) return v
    if (performance.now() - t0 > ms) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

type LoadClientReport = HostMethods['net.webStop']['result']

/** Sends `count` requests from the host load client of `vmId`'s host to its web workload (one every `intervalNs`
 * of virtual time), waits until all are answered (or `ms` passed) and returns the client's final report. */
export async function webRequests(service: WorkbenchService, hostId: string, vmId: string, count: number, intervalNs = 1_000_000, ms = 40_000): Promise<LoadClientReport> {
  const conn = service.hosts.connection(hostId)
  await conn.call('net.webStart', { vmId, intervalNs, count })
  const t0 = performance.now()
  for (;;) {
    const report = await conn.call('net.webReport', { vmId })
    if ((report?.summary.answered ?? 0) >= count || performance.now() - t0 > ms) break
    await new Promise((r) => setTimeout(r, 20))
  }
  return conn.call('net.webStop', { vmId })
}
