// Snapshots of the real engine running the guest kernel (resources/guest/kernel.elf) in both virtualization
// modes: take → run (the dirty workload changes memory) → revert gives back the exact RAM, hart, device and VMM
// state, and the guest then prints exactly what it printed the first time. A live snapshot (guest running,
// dirty log through the EPT / write protection) resumes in a fresh VM like the original.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createVm, type VirtMode, type VmInstance } from '../../../src/main/engine/vmm/api'
import { openSnapshotStore, type SnapshotStore } from '../../../src/main/engine/snapshot/store'
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
    expect(run(vm, (o) => o.includes('pass 6 done'))).toBe(first)

    // an incremental child: only the pages the workload changed are written
    const child = store.take('k', vm)
    expect(child.pagesWritten).toBeGreaterThan(0)
    expect(child.pagesWritten).toBeLessThan(t.pagesHashed)
    expect(child.snapshot.parent).toBe(t.snapshot.id)
  })

  it('dedup: ten snapshots of the idle guest at its shell prompt cost at most 1.2× the disk of one', () => {
    // idle after a workload touched 64 pages (each manifest costs ~4-5 KB: see docs/snapshots.md, Limits)
    const cmdline = 'selftest=0 autorun=dirty dirty.pages=64 dirty.rate=0 dirty.passes=1'
    const vm = createVm({ name: 'idle', memoryMiB: 16, mode, nic: 'none', vtpm: false, cmdline }, elf)
    expect(run(vm, (o) => o.includes('wb$ '))).toContain('wb$ ')
    store.take('k', vm)
    const one = store.diskUsage()
    const later = Array.from({ length: 9 }, () => store.take('k', vm).pagesWritten)
    expect(later).toEqual(new Array(9).fill(0)) // nothing changed: every page is already stored
    expect(store.diskUsage() / one).toBeLessThanOrEqual(1.2)
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

    const fresh = makeVm(elf, mode, FOREVER)
    store.revert('k', t.snapshot.id, fresh)
    expect(fingerprint(fresh)).toBe(atPause)
    expect(run(fresh, () => false, 60)).toBe(rest)
    // the original keeps VMM-internal leftovers of dirty tracking (its exit counts differ); two VMs restored from
    // the snapshot agree to the last counter
    const again = makeVm(elf, mode, FOREVER)
    store.revert('k', t.snapshot.id, again)
    run(again, () => false, 60)
    expect(fingerprint(again)).toBe(fingerprint(fresh))
  })
})
