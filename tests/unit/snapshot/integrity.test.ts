import * as fs from 'node:fs'
import * as path from 'node:path'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSnapshotStore, type SnapshotStore } from '../../../src/main/engine/snapshot/store'
import { fsckStore } from '../../../src/main/engine/snapshot/fsck'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import { SyntheticVm, fingerprint, testClock } from './synthetic-vm'
import { bundleScript, engineErrorOf, packFiles, removeDir, tempDir } from './helpers'

describe('snapshot integrity', () => {
  let dir: string
  let store: SnapshotStore
  let vm: SyntheticVm
  let s1: string
  let s2: string
  let fp1: string
  let fp2: string
  beforeEach(() => {
    dir = tempDir()
    store = openSnapshotStore(dir, { clock: testClock() })
    store.createVm('vm1', 'lab', { name: 'lab' })
    vm = new SyntheticVm({ pages: 64, seed: 17, workingSet: 8 })
    s1 = store.take('vm1', vm).snapshot.id
    fp1 = fingerprint(vm)
    vm.runFor(20_000)
    s2 = store.take('vm1', vm).snapshot.id // its own pack holds only the changed pages
    fp2 = fingerprint(vm)
    expect(fsckStore(dir).ok).toBe(true)
  })
  afterEach(() => removeDir(dir))

  it('a flipped byte in a stored page stops the revert, names snapshot and page, and leaves the VM untouched', () => {
    const [firstPack] = packFiles(dir)
    const fd = fs.openSync(firstPack, 'r+')
    const b = Buffer.alloc(1)
    const at = 40 * PAGE_SIZE + 123 // page 40 of s1 (outside the working set, so s2 shares it)
    fs.readSync(fd, b, 0, 1, at)
    b[0] ^= 0x10
    fs.writeSync(fd, b, 0, 1, at)
    fs.closeSync(fd)

    // a VM whose memory differs everywhere, so every page is read
    const target = new SyntheticVm({ pages: 64, seed: 99 })
    const before = fingerprint(target)
    const e = engineErrorOf(() => store.revert('vm1', s1, target))
    expect(e.code).toBe('SNAPSHOT_PAGES_CORRUPT')
    expect(e.params).toMatchObject({ vm: 'vm1', snapshot: s1, pages: '40', count: 1, corrupt: 1 })
    expect(e.message).toContain(s1)
    expect(fingerprint(target)).toBe(before)
    // a disposable VM (built for the revert) gets the same error naming the same page
    const e2 = engineErrorOf(() => store.revert('vm1', s1, new SyntheticVm({ pages: 64, seed: 98 }), { disposableVm: true }))
    expect(e2.params).toMatchObject({ snapshot: s1, pages: '40', count: 1 })
    expect(store.currentSnapshot('vm1')).toBe(s2)

    const report = fsckStore(dir)
    expect(report.ok).toBe(false)
    const codes = report.problems.map((p) => p.code).sort()
    expect(codes).toEqual(['SNAPSHOT_PACK_CORRUPT', 'SNAPSHOT_PAGES_CORRUPT', 'SNAPSHOT_PAGES_CORRUPT'])
    expect(report.problems.filter((p) => p.code === 'SNAPSHOT_PAGES_CORRUPT').every((p) => p.message.includes('(40)'))).toBe(true)
  })

  it('a page missing from its pack is reported as missing', () => {
    const packs = packFiles(dir)
    fs.truncateSync(packs[1], 100) // s2's own pack: its trailer is gone, so its pages are unknown
    const reopened = openSnapshotStore(dir, { clock: testClock() })
    expect(reopened.pages.damaged).toHaveLength(1)
    const e = engineErrorOf(() => reopened.revert('vm1', s2, new SyntheticVm({ pages: 64, seed: 99 })))
    expect(e.code).toBe('SNAPSHOT_PAGES_CORRUPT')
    expect(Number(e.params.missing)).toBeGreaterThan(0)
    expect(Number(e.params.missing)).toBeLessThanOrEqual(8)
    reopened.revert('vm1', s1, vm) // untouched snapshot still fine
    expect(fingerprint(vm)).toBe(fp1)
    expect(packFiles(dir)).toHaveLength(2) // a damaged store is never garbage-collected
  })

  it('a truncated manifest is reported, the other snapshots and their pages stay intact', () => {
    const file = path.join(dir, 'vms', 'vm1', 'snapshots', `${s2}.json`)
    const text = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, text.slice(0, text.length >> 1))
    const packBytes = openSnapshotStore(dir, { clock: testClock(), recover: false }).pages.diskBytes()
    const reopened = openSnapshotStore(dir, { clock: testClock() })
    expect(reopened.damaged.map((d) => d.code)).toEqual(['SNAPSHOT_MANIFEST_CORRUPT'])
    expect(reopened.damaged[0].message).toMatch(/not valid JSON/)
    expect(reopened.pages.diskBytes()).toBe(packBytes) // gc held off: s2's pages are not collected
    expect(reopened.listSnapshots('vm1').map((s) => s.id)).toEqual([s1])
    const report = fsckStore(dir)
    expect(report.problems.map((p) => p.code)).toEqual(['SNAPSHOT_MANIFEST_CORRUPT', 'SNAPSHOT_NOT_FOUND'])
    expect(report.problems[1].message).toContain(`current snapshot ${s2} does not exist`)
    reopened.revert('vm1', s1, vm) // the other snapshot reverts, and becomes the current position
    expect(fingerprint(vm)).toBe(fp1)
    expect(fsckStore(dir).problems.map((p) => p.code)).toEqual(['SNAPSHOT_MANIFEST_CORRUPT'])
  })

  it('a damaged parent manifest makes its delta children unreadable with a reason naming it; pages are kept', () => {
    expect(store.manifest('vm1', s2).memory.base).toBe(s1) // s2 stores only what differs from s1's page list
    const file = path.join(dir, 'vms', 'vm1', 'snapshots', `${s1}.json`)
    const text = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, text.slice(0, text.length >> 1))
    const packBytes = store.pages.diskBytes()
    const reopened = openSnapshotStore(dir, { clock: testClock() })
    expect(reopened.damaged.map((d) => [d.code, path.basename(d.file)])).toEqual([
      ['SNAPSHOT_MANIFEST_CORRUPT', `${s1}.json`],
      ['SNAPSHOT_MANIFEST_CORRUPT', `${s2}.json`]
    ])
    expect(reopened.damaged[1].message).toContain(`builds on snapshot ${s1}, which is missing or damaged`)
    expect(reopened.pages.diskBytes()).toBe(packBytes)
    expect(fsckStore(dir).problems.filter((p) => p.code === 'SNAPSHOT_MANIFEST_CORRUPT')).toHaveLength(2)
    // restoring the parent's file brings both back
    fs.writeFileSync(file, text)
    const healed = openSnapshotStore(dir, { clock: testClock() })
    expect(healed.damaged).toEqual([])
    const other = new SyntheticVm({ pages: 64, seed: 5 })
    healed.revert('vm1', s2, other)
    expect(fingerprint(other)).toBe(fp2)
    expect(fsckStore(dir).ok).toBe(true)
  })

  it('a flipped byte in a manifest that still parses is caught by its checksum', () => {
    const file = path.join(dir, 'vms', 'vm1', 'snapshots', `${s2}.json`)
    const text = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, text.replace('"description":""', '"description":"X"'))
    const reopened = openSnapshotStore(dir, { clock: testClock() })
    expect(reopened.damaged[0]).toMatchObject({ code: 'SNAPSHOT_MANIFEST_CORRUPT' })
    expect(reopened.damaged[0].message).toMatch(/checksum mismatch/)
    expect(engineErrorOf(() => reopened.revert('vm1', s2, vm)).code).toBe('SNAPSHOT_NOT_FOUND')
  })

  it('a manifest of another format version is refused with its version', () => {
    const file = path.join(dir, 'vms', 'vm1', 'snapshots', `${s1}.json`)
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>
    delete doc.checksum
    doc.formatVersion = 3
    fs.writeFileSync(file, JSON.stringify({ ...doc, checksum: createHash('sha256').update(JSON.stringify(doc)).digest('hex') }))
    const reopened = openSnapshotStore(dir, { clock: testClock() })
    expect(reopened.damaged[0]).toMatchObject({ code: 'SNAPSHOT_MANIFEST_VERSION' })
    expect(reopened.damaged[0].message).toContain('version 3')
  })

  it('the fsck command reports a clean store with exit 0 and a damaged one with exit 1', () => {
    const cli = bundleScript(path.resolve(__dirname, '../../../src/main/engine/snapshot/fsck-cli.ts'), dir + '-cli')
    const out = execFileSync(process.execPath, [cli, dir], { encoding: 'utf8' })
    expect(out).toMatch(/1 VM\(s\), 2 snapshot\(s\)/)
    expect(out).toMatch(/^ok:/m)
    const [firstPack] = packFiles(dir)
    const buf = fs.readFileSync(firstPack)
    buf[5] ^= 1
    fs.writeFileSync(firstPack, buf)
    let status = 0
    let text = ''
    try {
      execFileSync(process.execPath, [cli, dir], { encoding: 'utf8' })
    } catch (err) {
      status = (err as { status: number }).status
      text = String((err as { stdout: string }).stdout)
    }
    expect(status).toBe(1)
    expect(text).toMatch(/PROBLEM SNAPSHOT_PAGES_CORRUPT: Snapshot snap-0001 of VM vm1: 1 page\(s\) missing or corrupt \(0\)/)
    removeDir(dir + '-cli')
  })
})
