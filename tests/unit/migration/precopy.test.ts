import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { DirtierVm, type DirtierConfig } from './dirtier-vm'
import { migrate, precopySeries } from './harness'
import type { MigrationInfo } from '../../../src/main/engine/migration'

const B = 12_500_000 // 100 Mbit/s keeps the guests small and the rounds long
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

function expectMonotonic(progress: MigrationInfo[]): void {
  for (let i = 1; i < progress.length; i++) {
    const a = progress[i - 1]
    const b = progress[i]
    expect(b.transferred).toBeGreaterThanOrEqual(a.transferred)
    expect(b['total-time']).toBeGreaterThanOrEqual(a['total-time'])
    expect(b.percent).toBeGreaterThanOrEqual(a.percent)
    expect(b.rounds.length).toBeGreaterThanOrEqual(a.rounds.length)
    expect(b['dirty-sync-count']).toBeGreaterThanOrEqual(a['dirty-sync-count'])
  }
}

describe('pre-copy with a dirtier below the bandwidth', () => {
  const cfg: DirtierConfig = { pages: 4096, workingSet: 2048, rate: 1500, serialEvery: 100 }

  it('follows the analytic round series and downtime within 10%, and the destination matches the pause', async () => {
    const src = new DirtierVm(cfg)
    src.runFor(50_000_000) // some history before the migration
    const series = precopySeries(src.ram, cfg.workingSet, cfg.rate, B, 300)
    const run = await migrate(src, { 'max-bandwidth': B })
    const info = run.outcome.info
    expect(run.outcome.status).toBe('completed')
    expect(run.outcome.sourceVmUsable).toBe(false)
    expect(info['switchover-reason']).toBe('converged')
    expect(run.dest.status).toBe('resumed')

    const sent = info.rounds.map((r) => r.pagesSent)
    expect(sent.length).toBe(series.rounds.length)
    sent.forEach((n, i) => expect(Math.abs(n - series.rounds[i]) / series.rounds[i]).toBeLessThan(0.1))
    // each round sends exactly what the guest dirtied during the previous one
    for (let i = 1; i < info.rounds.length; i++) expect(info.rounds[i].pagesSent).toBe(info.rounds[i - 1].pagesDirtied)
    expect(info.downtime).not.toBeNull()
    expect(Math.abs((info.downtime ?? 0) - series.downtimeMs) / series.downtimeMs).toBeLessThan(0.1)
    expect(info.downtime ?? Infinity).toBeLessThanOrEqual(300)
    expect(info['expected-downtime']).toBeGreaterThan(0)

    // zero pages travel as markers; every page counted once per send
    const pagesSent = info.rounds.reduce((s, r) => s + r.pagesSent, 0) + info.rounds[info.rounds.length - 1].pagesDirtied
    expect(info.duplicate + info.normal).toBe(pagesSent)
    expect(info.duplicate).toBeGreaterThanOrEqual(512)
    expect(info.transferred).toBeLessThan(pagesSent * 4101 + 100_000)
    expect(info['dirty-sync-count']).toBe(info.rounds.length)
    expect(info.mbps).toBeGreaterThan(90)
    expect(info.mbps).toBeLessThanOrEqual(100.01)

    // byte-identical at the pause: RAM and machine state, hashed independently here
    const dest = run.destVm
    expect(dest).not.toBeNull()
    if (!dest) return
    expect(sha(dest.ram)).toBe(sha(src.ram))
    expect(sha(dest.ram)).toBe(run.outcome.pauseHashes?.ram)
    expect(JSON.stringify(dest.saveState().hart)).toBe(JSON.stringify(src.saveState().hart))
    expect(dest.virtualCycles).toBe(src.virtualCycles)
    // and equal to a guest that never migrated, run for the same virtual time
    const ref = new DirtierVm(cfg)
    ref.runFor(src.virtualCycles)
    expect(sha(ref.ram)).toBe(sha(dest.ram))

    // serial output continues at the destination with nothing lost or repeated
    dest.runFor(200_000_000)
    const ref2 = new DirtierVm(cfg)
    ref2.runFor(dest.virtualCycles)
    const whole = ref2.drainSerial()
    expect(run.serialAtSource.length).toBeGreaterThan(0)
    expect(run.serialAtSource + dest.drainSerial()).toBe(whole)

    expectMonotonic(run.progress)
    expect(run.progress[run.progress.length - 1].percent).toBe(100)
    expect(run.events.map((e) => e.type)).toEqual(['accepted', 'resumed'])
  })
})

describe('pre-copy with a dirtier above the bandwidth', () => {
  // 6000 pages/s against ~3050 pages/s of link
  const cfg: DirtierConfig = { pages: 4096, workingSet: 3072, rate: 6000 }

  it('does not converge without auto-converge: a Xen limit forces a long pause', async () => {
    const src = new DirtierVm(cfg)
    const run = await migrate(src, { 'max-bandwidth': B })
    const info = run.outcome.info
    expect(run.outcome.status).toBe('completed')
    expect(['round-limit', 'total-limit']).toContain(info['switchover-reason'])
    expect(info['cpu-throttle-percentage']).toBe(0)
    for (const r of info.rounds.slice(1)) expect(r.pagesSent).toBe(cfg.workingSet)
    expect(info.downtime ?? 0).toBeGreaterThan(900) // the whole working set during the pause
    expect(info.transferred).toBeGreaterThanOrEqual(3 * src.ram.length)
  })

  it('converges with auto-converge, throttling in QEMU steps 20 + 10·k', async () => {
    const src = new DirtierVm(cfg)
    const run = await migrate(src, { 'max-bandwidth': B, 'auto-converge': true })
    const info = run.outcome.info
    expect(run.outcome.status).toBe('completed')
    expect(info['switchover-reason']).toBe('converged')
    expect(info.downtime ?? Infinity).toBeLessThanOrEqual(300)
    const throttles = info.rounds.map((r) => r.throttle)
    for (let i = 1; i < throttles.length; i++) expect(throttles[i]).toBeGreaterThanOrEqual(throttles[i - 1])
    expect(throttles[0]).toBe(0)
    const steps = [...new Set(throttles)].filter((t) => t > 0)
    expect(steps[0]).toBe(20)
    steps.forEach((t, i) => expect(t).toBe(20 + 10 * i))
    // converging needs the guest slowed below the link: D·(1 - p) < B
    expect(cfg.rate * (1 - info['cpu-throttle-percentage'] / 100)).toBeLessThan(B / 4101)
    expect(sha(run.destVm?.ram ?? new Uint8Array())).toBe(sha(src.ram))
    expectMonotonic(run.progress)
  })
})

describe('XBZRLE', () => {
  it('sends re-dirtied pages as deltas, far fewer bytes, same result', async () => {
    const cfg: DirtierConfig = { pages: 4096, workingSet: 2048, rate: 2500 }
    const plain = await migrate(new DirtierVm(cfg), { 'max-bandwidth': B })
    const src = new DirtierVm(cfg)
    const delta = await migrate(src, { 'max-bandwidth': B, xbzrle: true })
    expect(delta.outcome.status).toBe('completed')
    const x = delta.outcome.info['xbzrle-cache']
    expect(x).not.toBeNull()
    expect(x?.pages ?? 0).toBeGreaterThan(500)
    expect((x?.bytes ?? 0) / (x?.pages ?? 1)).toBeLessThan(64)
    const laterPlain = plain.outcome.info.rounds.slice(1).reduce((s, r) => s + r.bytes, 0)
    const laterDelta = delta.outcome.info.rounds.slice(1).reduce((s, r) => s + r.bytes, 0)
    expect(laterDelta).toBeLessThan(laterPlain / 4)
    expect(sha(delta.destVm?.ram ?? new Uint8Array())).toBe(sha(src.ram))
  })
})

describe('auto-converge that cannot win', () => {
  it('falls back to the Xen limits once the throttle is at its maximum', async () => {
    // every round dirties the whole working set even at max-cpu-throttle 50: the limit forces the pause
    const src = new DirtierVm({ pages: 2048, workingSet: 1536, rate: 60_000 })
    const run = await migrate(src, { 'max-bandwidth': B, 'auto-converge': true, 'max-cpu-throttle': 50, 'max-rounds': 4 })
    const info = run.outcome.info
    expect(run.outcome.status).toBe('completed')
    expect(info['cpu-throttle-percentage']).toBe(50)
    expect(['round-limit', 'total-limit']).toContain(info['switchover-reason'])
    const atMax = info.rounds.filter((r) => r.throttle === 50).length
    expect(atMax).toBeGreaterThanOrEqual(3)
    expect(atMax).toBeLessThanOrEqual(4)
    expect(sha(run.destVm?.ram ?? new Uint8Array())).toBe(sha(src.ram))
  })
})

describe('dirty-pages-rate', () => {
  it('is the pages dirtied per second of the last round', async () => {
    const src = new DirtierVm({ pages: 4096, workingSet: 2048, rate: 1500 })
    const run = await migrate(src, { 'max-bandwidth': B })
    const last = run.outcome.info.rounds[run.outcome.info.rounds.length - 1]
    expect(run.outcome.info['dirty-pages-rate']).toBe(Math.round(last.pagesDirtied / (last.durationMs / 1000)))
    // the dirtier writes 1500 pages per virtual second into a working set larger than a round's worth
    expect(Math.abs(run.outcome.info['dirty-pages-rate'] - 1500) / 1500).toBeLessThan(0.05)
  })
})
