// isolation.* handlers: the experiment runs in its own worker thread (source mode through tsx), progress events
// arrive after every trial, the report passes the contract's schema, cancel stops the worker.
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isolationHandlers as h } from '../../../src/main/service/handlers/isolation'
import { IsolationReportSchema } from '../../../src/shared/contract/isolation'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import type { WorkbenchService } from '../../../src/main/service/workbench-service'

const root = resolve(__dirname, '../../..')
function svc(guestDir = join(root, 'resources/guest')): { s: WorkbenchService; events: { name: string; p: unknown }[] } {
  const events: { name: string; p: unknown }[] = []
  const s = { opts: { guestDir, dataDir: '/nonexistent', hostWorker: sourceWorkerEntry(root) }, emit: (name: string, p: unknown) => events.push({ name, p }) }
  return { s: s as unknown as WorkbenchService, events }
}
const req = { configs: ['containers' as const, 'vms' as const], trials: 2, seed: 5, pKernelFlaw: 1, pVmmFlaw: 0, tries: 100, vmTries: 200 }

describe('isolation handlers', () => {
  it('isolation.run: worker thread, progress per trial, report within the contract', async () => {
    const { s, events } = svc()
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    const r = await h['isolation.run']({ ...req, runId: 'r1' }, s)
    clearInterval(timer)
    expect(IsolationReportSchema.parse(r)).toBeTruthy()
    expect(events.filter((e) => e.name === 'isolation.progress')).toHaveLength(4)
    expect(r.summaries.map((x) => x.escapes)).toEqual([2, 0])
    expect(r.csv).toContain('# pKernelFlaw=1')
    expect(ticks).toBeGreaterThan(10) // the service's thread stayed free
  }, 60_000)

  it('isolation.cancel stops a run; the run answers ISOLATION_CANCELLED', async () => {
    const { s } = svc()
    const p = h['isolation.run']({ ...req, trials: 200, runId: 'r2' }, s)
    await expect(h['isolation.run']({ ...req, runId: 'r3' }, s)).rejects.toMatchObject({ code: 'ISOLATION_BUSY' })
    expect(await h['isolation.cancel']({ runId: 'r2' }, s)).toEqual({ cancelled: true })
    await expect(p).rejects.toMatchObject({ code: 'ISOLATION_CANCELLED' })
    expect(await h['isolation.cancel']({ runId: 'r2' }, s)).toEqual({ cancelled: false })
  }, 30_000)

  it('a missing kernel image is a coded error', async () => {
    const { s } = svc('/nonexistent')
    await expect(h['isolation.run']({ ...req, runId: 'r4' }, s)).rejects.toMatchObject({ code: 'ISOLATION_IMAGE_MISSING' })
  })
})
