// Snapshots of the real engine running the guest kernel (resources/guest/kernel.elf) in both virtualization
// modes: take → run (the dirty workload changes memory) → revert gives back the exact RAM, hart, device and VMM
// state, and the guest then prints exactly what it printed the first time. A live snapshot (guest running,
// dirty log through the EPT / write protection) resumes in a fresh VM like the original.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createVm, type VirtMode, type VmInstance } from '../../../src/main/engine/vmm/api'
import { openSnapshotStore, type SnapshotStore } from '../../../src/main/engine/snapshot/store'
import { freshVmPages } from '../../../src/main/engine/snapshot/fresh-vm'
import { fingerprint, testClock } from './synthetic-vm'
import { removeDir, tempDir } from './helpers'

const KERNEL = join(__dirname, '../../../resources/guest/kernel.elf')
const MODES: VirtMode[] = ['trap-and-emulate', 'hardware-assisted']
function makeVm(elf: Uint8Array, mode: VirtMode, dirty = 'dirty.pages=48 dirty.rate=4800 dirty.passes=8'): VmInstance {
  const cmdline = `selftest=0 autorun=dirty ${dirty} halt=1`
  return createVm({ name: 'snap', memoryMiB: 4, mode, nic: 'none', vtpm: false, cmdline }, elf)
}

/** Step until `until(out)` or the guest halts; returns what it printed. */
function run(vm: VmInstance, until: (out: string) => boolean = () => false, maxSteps = 3000): string {
  let out = ''
  for (let i = 0; i < maxSteps && !vm.halt; i++) {
    vm.step(20_000)
    out += Buffer.from(vm.drainSerial()).toString('latin1')
    if (until(out)) break
  }
  return out + Buffer.from(vm.drainSerial()).toString('latin1')
}

describe.runIf(existsSync(KERNEL)).each(MODES)('snapshots of the guest kernel (%s)', (mode) => {
  let dir: string
  let store: SnapshotStore
  const elf = existsSync(KERNEL) ? new Uint8Array(readFileSync(KERNEL)) : new Uint8Array()
  beforeEach(() => {
    dir = tempDir()
    store = openSnapshotStore(dir, { clock: testClock() })
    store.createVm('k', 'kernel', { name: 'kernel', memoryMiB: 4, mode })
  })
  afterEach(() => removeDir(dir))

  it('take → run → revert: same RAM, vCPU, device and VMM state, then the same output', () => {
    const vm = makeVm(elf, mode)
    expect(run(vm, (o) => o.includes('pass 1 done'))).toContain('dirty: working set 48 pages')
    const atSnapshot = fingerprint(vm)
    const t = store.take('k', vm, { description: 'mid-workload' })
    expect(t.pagesHashed).toBeGreaterThan(10)
    expect(t.zeroPages).toBeGreaterThan(t.pagesHashed) // the lazy allocator leaves most of RAM zero
    // (not to power-off: a hart halted by power-off stays halted after loadState, a VMM matter)
    const first = run(vm, (o) => o.includes('pass 6 done'))
    expect(first).toContain('dirty: pass 6 done')
    expect(fingerprint(vm)).not.toBe(atSnapshot)

    const r = store.revert('k', t.snapshot.id, vm)
    expect(r.pagesRead + r.pagesKept).toBe(t.pagesHashed)
    expect(r.pagesRead).toBeGreaterThanOrEqual(48) // the workload's 48 pages come back from disk
    expect(r.pagesKept).toBeGreaterThan(0) // the kernel's code did not change: verified in place
    expect(fingerprint(vm)).toBe(atSnapshot)
    // the VM's written-page record names exactly the snapshot's non-zero pages (a migration reads only those)
    const record = vm.writtenPages?.() ?? null
    expect(record).not.toBeNull()
    const named = (record ?? new Uint8Array()).reduce((n, b) => n + b, 0)
    expect(named).toBe(t.pagesHashed)
    expect(run(vm, (o) => o.includes('pass 6 done'))).toBe(first)

    // an incremental child: only the pages the workload changed are written
    const child = store.take('k', vm)
    expect(child.pagesWritten).toBeGreaterThan(0)
    expect(child.pagesWritten).toBeLessThan(t.pagesHashed)
    expect(child.snapshot.parent).toBe(t.snapshot.id)
  })

  it.each([
    ['straight to the prompt (~19 non-zero pages)', 'selftest=0', 10, 40],
    ['after a workload touched 2000 pages', 'selftest=0 autorun=dirty dirty.pages=2000 dirty.rate=0 dirty.passes=1', 2000, 2100]
  ])('dedup: ten snapshots of the idle guest %s cost at most 1.2× the disk of one', (_what, cmdline, minPages, maxPages) => {
    const vm = createVm({ name: 'idle', memoryMiB: 16, mode, nic: 'none', vtpm: false, cmdline }, elf)
    expect(run(vm, (o) => o.includes('wb$ '))).toContain('wb$ ')
    const first = store.take('k', vm)
    expect(first.pagesHashed).toBeGreaterThanOrEqual(minPages)
    expect(first.pagesHashed).toBeLessThanOrEqual(maxPages)
    const one = store.diskUsage() // bytes of every file in the store, as stat reports them
    const later: number[] = []
    for (let i = 0; i < 9; i++) {
      vm.runFor(5_000_000) // idling at the prompt: timer ticks, no page changes
      later.push(store.take('k', vm).pagesWritten)
    }
    expect(later).toEqual(new Array(9).fill(0)) // nothing changed: every page is already stored
    const ratio = store.diskUsage() / one
    expect(ratio).toBeLessThanOrEqual(1.2)
    expect(ratio).toBeGreaterThan(1) // the nine manifests cost something
    // each later manifest is a delta against its parent: no page hashes, a small state difference
    const m = store.manifest('k', 'snap-0005')
    expect(m.memory.base).toBe('snap-0004')
    expect(m.memory.pages).toEqual([m.memory.pageCount])
    expect(m.state).toBeUndefined()
    // and still reverts to exactly what was taken
    const atTenth = fingerprint(vm)
    vm.runFor(5_000_000)
    store.revert('k', 'snap-0010', vm)
    expect(fingerprint(vm)).toBe(atTenth)
  })

  it('live take while the dirty workload runs resumes in a fresh VM exactly like the original', () => {
    // CPU-bound dirtier (no sleeping: runFor then runs about the cycles asked for), forever
    const FOREVER = 'dirty.pages=256 dirty.rate=0 dirty.passes=0'
    const vm = makeVm(elf, mode, FOREVER)
    run(vm, (o) => o.includes('dirty: working set'))
    const t = store.takeLive('k', vm, { chunkPages: 64, cyclesPerChunk: 50_000, pausePages: 16, maxRounds: 3 })
    expect(vm.halt).toBe(null)
    const live = t.live ?? { rounds: 0, pagesCopied: 0, pausePages: 0, cyclesRun: 0 }
    expect(live.pagesCopied).toBeGreaterThan(1024 + 100) // all 1024 pages, then the ones dirtied meanwhile
    expect(live.cyclesRun).toBeGreaterThanOrEqual(16 * 50_000)
    expect(live.pausePages).toBeGreaterThan(0)
    vm.drainSerial() // printed before the pause: host-side output, not part of the VM state
    const atPause = fingerprint(vm)
    const rest = run(vm, () => false, 60)

    // a VM built for the revert: only its image's pages may be non-zero, the rest is not even looked at (a first
    // touch costs a page fault): the process's minor faults stay far below the 1024 pages of its RAM
    const fresh = makeVm(elf, mode, FOREVER)
    const faults0 = process.resourceUsage().minorPageFault
    const r = store.revert('k', t.snapshot.id, fresh, { freshExcept: freshVmPages(elf) })
    const faults = process.resourceUsage().minorPageFault - faults0
    expect(fingerprint(fresh)).toBe(atPause)
    expect(r.pagesRead + r.pagesKept).toBe(t.snapshot.nonZeroBytes / 4096)
    expect(faults).toBeLessThan(r.pagesRead + 400)
    expect(run(fresh, () => false, 60)).toBe(rest)
    // the original keeps VMM-internal leftovers of dirty tracking (its exit counts differ); two VMs restored from
    // the snapshot agree to the last counter
    const again = makeVm(elf, mode, FOREVER)
    store.revert('k', t.snapshot.id, again)
    run(again, () => false, 60)
    expect(fingerprint(again)).toBe(fingerprint(fresh))
  })
})
