// The PAGES frame: zero runs (one entry for consecutive zero pages) next to raw pages, deltas and single markers,
// and what a migration of a mostly unused guest puts on the wire for its zero pages.
import { describe, expect, it } from 'vitest'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import {
  decodePages,
  PAGE_ENTRY_HEADER_BYTES,
  PAGE_RAW,
  PAGE_XBZRLE,
  PAGE_ZERO,
  PAGES_HEADER_BYTES,
  PagesFrameWriter,
  ZERO_RUN_ENTRY_BYTES
} from '../../../src/main/engine/migration/wire'
import { DirtierVm } from './dirtier-vm'
import { migrate } from './harness'

describe('PAGES frames', () => {
  it('a zero run is one 9-byte entry that decodes to each of its pages; a run of one is a plain marker', () => {
    const w = new PagesFrameWriter(new ArrayBuffer(3 * PAGE_SIZE))
    const page = new Uint8Array(PAGE_SIZE).map((_, i) => (i * 7) & 0xff)
    w.begin(42)
    w.addZeroRun(10, 5000)
    w.addRaw(5010, page, 0)
    w.addZeroRun(5011, 1)
    w.addDelta(5012, new Uint8Array([0, 2, 9, 9]))
    w.addZero(5013)
    expect(w.count).toBe(5)
    const frame = w.finish()
    expect(frame.length).toBe(PAGES_HEADER_BYTES + ZERO_RUN_ENTRY_BYTES + (PAGE_ENTRY_HEADER_BYTES + PAGE_SIZE) + PAGE_ENTRY_HEADER_BYTES + (PAGE_ENTRY_HEADER_BYTES + 2 + 4) + PAGE_ENTRY_HEADER_BYTES)
    const seen: [number, number, number][] = []
    const seq = decodePages(frame, (index, kind, payload) => seen.push([index, kind, payload ? payload.length : -1]))
    expect(seq).toBe(42)
    expect(seen.length).toBe(5000 + 4)
    expect(seen.slice(0, 5000).every(([index, kind], k) => index === 10 + k && kind === PAGE_ZERO)).toBe(true)
    expect(seen.slice(5000)).toEqual([
      [5010, PAGE_RAW, PAGE_SIZE],
      [5011, PAGE_ZERO, -1],
      [5012, PAGE_XBZRLE, 4],
      [5013, PAGE_ZERO, -1]
    ])
  })

  it('a mostly unused guest sends its zero pages in a few runs, and arrives byte for byte', async () => {
    // 4096 pages: the first 256 hold data (every fourth of them zero), the other 3840 are zero
    const src = new DirtierVm({ pages: 4096, workingSet: 64, rate: 1000, firstPage: 0 })
    src.ram.fill(0, 256 * PAGE_SIZE)
    const run = await migrate(src, { 'max-bandwidth': 64 * 1024 * 1024 })
    expect(run.outcome.status).toBe('completed')
    const info = run.outcome.info
    expect(info.rounds[0].pagesSent).toBe(4096)
    expect(info.duplicate).toBeGreaterThanOrEqual(3840)
    // round 0 as reported when it ended: what its zero pages and frame headers took beyond the raw pages (one
    // 5-byte marker per zero page would be at least 3840 * 5 bytes)
    const after0 = run.progress.find((p) => p.rounds.length === 1)
    expect(after0).toBeDefined()
    const r0 = after0 ? after0.rounds[0] : info.rounds[0]
    const zeros0 = after0 ? after0.duplicate : 0
    expect(zeros0).toBeGreaterThanOrEqual(3840)
    const overhead = r0.bytes - (r0.pagesSent - zeros0) * (PAGE_ENTRY_HEADER_BYTES + PAGE_SIZE)
    expect(overhead).toBeGreaterThan(0)
    expect(overhead).toBeLessThan(2000)
    expect(run.destVm).not.toBeNull()
    expect(Buffer.from(run.destVm?.ram ?? new Uint8Array(0)).equals(Buffer.from(src.ram))).toBe(true)
  })
})
