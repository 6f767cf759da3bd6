import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodePageList, machineState, pageList, sealJson } from '../../../src/main/engine/snapshot/manifest'
import { openSnapshotStore, type SnapshotStore } from '../../../src/main/engine/snapshot/store'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import { SyntheticVm, fingerprint, testClock } from './synthetic-vm'
import { engineErrorOf, packFiles, removeDir, tempDir } from './helpers'

const DEF = { name: 'lab', memoryMiB: 1, mode: 'hardware-assisted' }

describe('snapshot store', () => {
  let dir: string
  let store: SnapshotStore
  beforeEach(() => {
    dir = tempDir()
    store = openSnapshotStore(dir, { clock: testClock() })
    store.createVm('vm1', 'lab', DEF)
  })
  afterEach(() => removeDir(dir))

  it('take → run → revert restores memory, hart, device, vmm and vtpm state exactly', () => {
    const vm = new SyntheticVm({ pages: 256, seed: 7, filledPages: 128, vtpm: true })
    const before = fingerprint(vm)
    const t = store.take('vm1', vm, { description: 'clean' })
    expect(t.pagesHashed).toBe(128)
    expect(t.zeroPages).toBe(128)
    expect(t.pagesWritten).toBe(128)
    vm.runFor(200_000) // 200 writes
    expect(fingerprint(vm)).not.toBe(before)
    const changed = [...vm.touched]
    const r = store.revert('vm1', t.snapshot.id, vm)
    // only what the guest changed is read back; the rest is verified in place
    expect(r.pagesRead).toBe(changed.filter((p) => p < 128).length)
    expect(r.pagesZeroed).toBe(changed.filter((p) => p >= 128).length)
    expect(r.pagesRead + r.pagesKept).toBe(128)
    expect(fingerprint(vm)).toBe(before)
    const fresh = new SyntheticVm({ pages: 256, seed: 8 })
    expect(store.revert('vm1', t.snapshot.id, fresh)).toMatchObject({ pagesRead: 128, pagesKept: 0, pagesZeroed: 128 })
    expect(fingerprint(fresh)).toBe(before)
    // a VM built just for the revert is read into directly, with the same result
    const built = new SyntheticVm({ pages: 256, seed: 9 })
    expect(store.revert('vm1', t.snapshot.id, built, { disposableVm: true })).toMatchObject({ pagesRead: 128, pagesZeroed: 128 })
    expect(fingerprint(built)).toBe(before)
    // the store survives a reopen and reverts again
    vm.runFor(50_000)
    const again = openSnapshotStore(dir, { clock: testClock() })
    again.revert('vm1', t.snapshot.id, vm)
    expect(fingerprint(vm)).toBe(before)
    expect(again.listSnapshots('vm1').map((s) => [s.id, s.description, s.current])).toEqual([['snap-0001', 'clean', true]])
  })

  it('revert reads only the pages a guest changed, even when they lie together at the start of RAM', () => {
    const vm = new SyntheticVm({ pages: 4096, seed: 11 })
    const snap = store.take('vm1', vm).snapshot.id
    const before = fingerprint(vm)
    for (let p = 0; p < 1200; p++) vm.ram[p * 4096 + 9] ^= 0x3c // the first 1200 pages (4.7 MiB) change
    const r = store.revert('vm1', snap, vm)
    expect(fingerprint(vm)).toBe(before)
    expect(r.pagesRead).toBe(1200)
    expect(r.pagesKept).toBe(4096 - 1200)
    for (let p = 0; p < 4096; p++) vm.ram[p * 4096 + 9] ^= 0x3c // every page differs: nothing to keep, all read
    expect(store.revert('vm1', snap, vm).pagesRead).toBe(4096)
    expect(fingerprint(vm)).toBe(before)
  })

  it('builds a tree with the current position, and revert moves it', () => {
    const vm = new SyntheticVm({ pages: 64, seed: 3 })
    const a = store.take('vm1', vm, { description: 'a' }).snapshot.id
    vm.runFor(10_000)
    const b = store.take('vm1', vm, { description: 'b' }).snapshot.id
    store.revert('vm1', a, vm)
    vm.runFor(10_000)
    const c = store.take('vm1', vm, { description: 'c' }).snapshot.id
    const list = store.listSnapshots('vm1')
    const byId = new Map(list.map((s) => [s.id, s]))
    expect(byId.get(a)?.children.sort()).toEqual([b, c].sort())
    expect(byId.get(b)?.parent).toBe(a)
    expect(byId.get(c)?.parent).toBe(a)
    expect(list.filter((s) => s.current).map((s) => s.id)).toEqual([c])
    store.revert('vm1', b, vm)
    expect(store.currentSnapshot('vm1')).toBe(b)
  })

  it('dedup: ten snapshots of an idle VM take at most 1.2× the disk of one', () => {
    const vm = new SyntheticVm({ pages: 512, seed: 11, filledPages: 400 })
    store.take('vm1', vm)
    const one = store.diskUsage()
    for (let i = 0; i < 9; i++) store.take('vm1', vm, { description: `idle ${i}` })
    const ten = store.diskUsage()
    expect(store.listSnapshots('vm1')).toHaveLength(10)
    expect(ten / one).toBeLessThanOrEqual(1.2)
    expect(ten).toBeGreaterThan(one) // the manifests do cost something
  })

  it('incremental: a child snapshot writes exactly the pages changed since its parent', () => {
    const vm = new SyntheticVm({ pages: 512, seed: 5, workingSet: 512 })
    const first = store.take('vm1', vm)
    expect(first.pagesWritten).toBe(512)
    vm.touched.clear()
    vm.runFor(40_000) // 40 writes of 64 bytes into random pages
    const changed = vm.touched.size
    expect(changed).toBeGreaterThan(20)
    const packBefore = store.pages.diskBytes()
    const child = store.take('vm1', vm)
    expect(child.pagesWritten).toBe(changed)
    expect(child.snapshot.parent).toBe(first.snapshot.id)
    expect(child.snapshot.writtenBytes).toBe(changed * PAGE_SIZE)
    expect(store.pages.diskBytes() - packBefore).toBe(changed * (PAGE_SIZE + 32) + 32)
  })

  it('delete: children keep working, pages only the deleted snapshot used are collected', () => {
    const vm = new SyntheticVm({ pages: 128, seed: 9, workingSet: 16 })
    const s1 = store.take('vm1', vm).snapshot.id
    vm.runFor(30_000)
    const s2 = store.take('vm1', vm).snapshot.id
    const fp2 = fingerprint(vm)
    vm.runFor(30_000)
    const s3 = store.take('vm1', vm).snapshot.id
    const fp3 = fingerprint(vm)
    const m1 = store.manifest('vm1', s1)
    const sharedHash = pageList(m1)[100] as string // outside the working set
    const refsBefore = store.refCount(sharedHash)
    const bytesBefore = store.pages.diskBytes()
    const del = store.deleteSnapshot('vm1', s2)
    expect(del.reparented).toEqual([s3])
    expect(store.manifest('vm1', s3).parent).toBe(s1)
    expect(store.pages.diskBytes()).toBeLessThan(bytesBefore) // s2's own pages are gone (its pack was collected)
    expect(del.gc.packsDeleted + del.gc.packsCompacted).toBeGreaterThan(0)
    expect(store.refCount(sharedHash)).toBe(refsBefore - 1)
    store.revert('vm1', s3, vm)
    expect(fingerprint(vm)).toBe(fp3)
    expect(() => store.revert('vm1', s2, vm)).toThrow(/snap-0002/)
    // delete the rest: nothing stays on disk but headers
    store.deleteSnapshot('vm1', s1)
    store.deleteSnapshot('vm1', s3)
    expect(packFiles(dir)).toEqual([])
    expect(store.currentSnapshot('vm1')).toBe(null)
    expect(fp2).not.toBe(fp3)
  })

  it('clone: a new VM from a snapshot shares its pages and reverts to the same state', () => {
    const vm = new SyntheticVm({ pages: 128, seed: 21, vtpm: true })
    const s = store.take('vm1', vm, { description: 'prepared lab' }).snapshot.id
    const fp = fingerprint(vm)
    const packBytes = store.pages.diskBytes()
    const c = store.clone('vm1', s, 'vm2', 'lab copy')
    expect(store.pages.diskBytes()).toBe(packBytes)
    expect(c.definition.name).toBe('lab copy')
    expect(store.manifest('vm2', c.snapshotId).description).toBe(`prepared lab (clone of lab, ${s})`) // VM vm1 by its name
    const other = new SyntheticVm({ pages: 128, seed: 99 })
    store.revert('vm2', c.snapshotId, other)
    expect(fingerprint(other)).toBe(fp)
    expect(engineErrorOf(() => store.clone('vm1', s, 'vm2', 'again')).code).toBe('SNAPSHOT_VM_EXISTS')
    // deleting the original VM keeps the clone's pages
    store.deleteVm('vm1')
    const fresh = new SyntheticVm({ pages: 128, seed: 1 })
    store.revert('vm2', c.snapshotId, fresh)
    expect(fingerprint(fresh)).toBe(fp)
    expect(store.listVms().map((v) => v.vmId)).toEqual(['vm2'])
  })

  it('live take: the guest keeps running, dirty pages are re-copied, the snapshot equals the state at the pause', () => {
    const vm = new SyntheticVm({ pages: 1024, seed: 33, workingSet: 64, cyclesPerWrite: 2000 })
    const progress: number[] = []
    const t = store.takeLive('vm1', vm, { chunkPages: 64, cyclesPerChunk: 40_000, pausePages: 8, onProgress: (p) => progress.push(p.round ?? 0) })
    const atPause = fingerprint(vm)
    const live = t.live ?? { rounds: 0, pagesCopied: 0, pausePages: 0, cyclesRun: 0 }
    expect(live.cyclesRun % 40_000).toBe(0)
    expect(live.cyclesRun).toBeGreaterThanOrEqual(16 * 40_000) // ran between the 16 chunks of the first pass
    expect(live.rounds).toBeGreaterThan(0)
    expect(live.pagesCopied).toBeGreaterThan(1024) // dirty pages were copied again
    expect(live.pausePages <= 8 || live.rounds === 8).toBe(true)
    expect(new Set(progress).size).toBeGreaterThan(1)
    vm.runFor(100_000)
    const other = new SyntheticVm({ pages: 1024, seed: 1 })
    store.revert('vm1', t.snapshot.id, other)
    expect(fingerprint(other)).toBe(atPause)
  })

  it('refuses a revert into a VM with another RAM size, and unknown ids, with codes', () => {
    const vm = new SyntheticVm({ pages: 32, seed: 1 })
    const s = store.take('vm1', vm).snapshot.id
    const small = new SyntheticVm({ pages: 16, seed: 1 })
    const e = engineErrorOf(() => store.revert('vm1', s, small))
    expect(e.code).toBe('SNAPSHOT_RAM_SIZE_MISMATCH')
    expect(e.params).toMatchObject({ expected: 32 * PAGE_SIZE, actual: 16 * PAGE_SIZE })
    expect(engineErrorOf(() => store.revert('vm1', 'snap-0042', vm)).code).toBe('SNAPSHOT_NOT_FOUND')
    expect(engineErrorOf(() => store.take('nope', vm)).code).toBe('SNAPSHOT_VM_NOT_FOUND')
    expect(engineErrorOf(() => store.createVm('../evil', 'x', {})).code).toBe('SNAPSHOT_BAD_ARGUMENT')
  })

  it('open removes leftovers of interrupted writes and unreferenced packs', () => {
    const vm = new SyntheticVm({ pages: 32, seed: 4 })
    const s = store.take('vm1', vm).snapshot.id
    fs.writeFileSync(path.join(dir, 'packs', 'pack-000099.pck.tmp'), 'half a pack')
    fs.writeFileSync(path.join(dir, 'vms', 'vm1', 'snapshots', 'snap-0002.json.tmp'), '{"half')
    fs.mkdirSync(path.join(dir, 'vms', 'vm7.tmp'))
    // a complete pack that no manifest names (killed between the pack and its manifest)
    const orphan = new SyntheticVm({ pages: 8, seed: 77 })
    const w = store.pages.beginPack()
    w.add('ab'.repeat(32), orphan.ram, 0, true)
    w.finish()
    expect(packFiles(dir)).toHaveLength(2)
    const reopened = openSnapshotStore(dir, { clock: testClock() })
    expect(packFiles(dir)).toHaveLength(1)
    expect(fs.readdirSync(path.join(dir, 'vms'))).toEqual(['vm1'])
    expect(fs.readdirSync(path.join(dir, 'vms', 'vm1', 'snapshots'))).toEqual([`${s}.json`])
    const fp = fingerprint(vm)
    vm.runFor(20_000)
    reopened.revert('vm1', s, vm)
    expect(fingerprint(vm)).toBe(fp)
  })

  it('reads version-1 manifests (full page list and state), and children taken after them are deltas', () => {
    const vm = new SyntheticVm({ pages: 96, seed: 41, workingSet: 32 })
    const s1 = store.take('vm1', vm).snapshot.id
    const fp1 = fingerprint(vm)
    const m = store.manifest('vm1', s1)
    // rewrite it the way version 1 stored it: no base, the page list in full, the state in full
    const { memory: _m, stateDelta: _d, state: _s, checksum: _c, ...rest } = { ...m, checksum: '' }
    const full = encodePageList(pageList(m), null)
    const v1 = { ...rest, formatVersion: 1, state: machineState(m), memory: { pageSize: full.pageSize, pageCount: full.pageCount, pages: full.pages } }
    fs.writeFileSync(path.join(dir, 'vms', 'vm1', 'snapshots', `${s1}.json`), sealJson(v1))
    const reopened = openSnapshotStore(dir, { clock: testClock() })
    expect(reopened.damaged).toEqual([])
    expect(reopened.manifest('vm1', s1).formatVersion).toBe(1)
    vm.touched.clear()
    vm.runFor(20_000)
    const s2 = reopened.take('vm1', vm).snapshot.id
    const fp2 = fingerprint(vm)
    const child = reopened.manifest('vm1', s2)
    expect(child.formatVersion).toBe(2)
    expect(child.memory.base).toBe(s1)
    const hashesStored = child.memory.pages.filter((e) => typeof e === 'string').length
    expect(hashesStored).toBeGreaterThan(0)
    expect(hashesStored).toBeLessThanOrEqual(vm.touched.size) // only the pages that changed
    const other = new SyntheticVm({ pages: 96, seed: 2 })
    reopened.revert('vm1', s1, other)
    expect(fingerprint(other)).toBe(fp1)
    reopened.revert('vm1', s2, other)
    expect(fingerprint(other)).toBe(fp2)
  })

  it('deleting a snapshot re-encodes its delta children against the new parent (or in full)', () => {
    const vm = new SyntheticVm({ pages: 64, seed: 8, workingSet: 16 })
    const s1 = store.take('vm1', vm).snapshot.id
    vm.runFor(20_000)
    const s2 = store.take('vm1', vm).snapshot.id
    vm.runFor(20_000)
    const s3 = store.take('vm1', vm).snapshot.id
    const fp3 = fingerprint(vm)
    expect(store.manifest('vm1', s3).memory.base).toBe(s2)
    store.deleteSnapshot('vm1', s2)
    expect(store.manifest('vm1', s3).memory.base).toBe(s1)
    store.deleteSnapshot('vm1', s1)
    const m3 = store.manifest('vm1', s3)
    expect(m3.memory.base).toBe(null)
    expect(m3.state).toBeDefined()
    const reopened = openSnapshotStore(dir, { clock: testClock() })
    const other = new SyntheticVm({ pages: 64, seed: 3 })
    reopened.revert('vm1', s3, other)
    expect(fingerprint(other)).toBe(fp3)
  })
})
