import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { DirtierVm, type DirtierConfig } from './dirtier-vm'
import { migrate } from './harness'

const B = 12_500_000
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe('post-copy', () => {
  const cfg: DirtierConfig = { pages: 2048, workingSet: 512, rate: 20_000, firstPage: 700, serialEvery: 500 }

  it('sends every page exactly once, counts on-demand requests, and the guest continues exactly', async () => {
    const src = new DirtierVm(cfg)
    src.runFor(30_000_000)
    const pausedAt = src.virtualCycles
    const run = await migrate(src, { 'max-bandwidth': B, 'postcopy-ram': true })
    const info = run.outcome.info
    expect(run.outcome.status).toBe('completed')
    expect(info['switchover-reason']).toBe('postcopy')
    expect(run.dest.status).toBe('resumed')
    // every page exactly once
    expect(run.dest.pagesReceived).toBe(cfg.pages)
    expect(run.dest.duplicatePageDeliveries).toBe(0)
    expect(info.normal + info.duplicate).toBe(cfg.pages)
    expect(info.rounds).toEqual([])
    // the guest touched its working set before the background push reached it: network page faults
    expect(info['postcopy-requests']).toBeGreaterThan(10)
    expect(info['postcopy-requests']).toBe(run.dest.postcopyRequests)
    expect(info['postcopy-requests']).toBeLessThanOrEqual(cfg.workingSet)
    // the downtime is only the state transfer
    expect(info.downtime ?? Infinity).toBeLessThan(5)
    expect(src.virtualCycles).toBe(pausedAt) // the source never ran again
    // virtual time: every transferred byte took its time on the link
    expect(info['total-time']).toBeGreaterThanOrEqual((info.transferred / B) * 1000)
    expect(info['total-time']).toBeLessThan((info.transferred / B) * 1000 * 1.2)

    const dest = run.destVm
    expect(dest).not.toBeNull()
    if (!dest) return
    expect(dest.virtualCycles).toBeGreaterThan(pausedAt)
    const ref = new DirtierVm(cfg)
    ref.runFor(dest.virtualCycles)
    expect(sha(dest.ram)).toBe(sha(ref.ram))
    expect(JSON.stringify(dest.saveState())).toBe(JSON.stringify(ref.saveState()))
    expect(run.serialAtSource + dest.drainSerial()).toBe(ref.drainSerial())

    for (let i = 1; i < run.progress.length; i++) {
      expect(run.progress[i].percent).toBeGreaterThanOrEqual(run.progress[i - 1].percent)
      expect(run.progress[i].transferred).toBeGreaterThanOrEqual(run.progress[i - 1].transferred)
      expect(run.progress[i].remaining).toBeLessThanOrEqual(run.progress[i - 1].remaining)
    }
    expect(run.progress.some((p) => p.status === 'postcopy-active')).toBe(true)
    expect(run.events.map((e) => e.type)).toEqual(['accepted', 'postcopy-started', 'resumed'])
  })
})
