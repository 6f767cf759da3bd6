import * as fs from 'node:fs'
import * as path from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exportVmArchive, importVmArchive } from '../../../src/main/engine/snapshot/archive'
import { openSnapshotStore, type SnapshotStore } from '../../../src/main/engine/snapshot/store'
import { fsckStore } from '../../../src/main/engine/snapshot/fsck'
import { TarReader, tarHeader, tarPadding, TAR_END } from '../../../src/main/engine/snapshot/tar'
import { SyntheticVm, fingerprint, testClock } from './synthetic-vm'
import { engineErrorOfAsync, removeDir, tempDir } from './helpers'

describe('VM archives', () => {
  let dir: string
  let other: string
  let store: SnapshotStore
  let archive: string
  const fps: Record<string, string> = {}
  beforeEach(async () => {
    dir = tempDir()
    other = tempDir()
    store = openSnapshotStore(dir, { clock: testClock() })
    store.createVm('lab1', 'Malware lab', { name: 'Malware lab', memoryMiB: 1 })
    const vm = new SyntheticVm({ pages: 256, seed: 42, filledPages: 160, workingSet: 32, vtpm: true })
    for (let i = 0; i < 3; i++) {
      const id = store.take('lab1', vm, { description: `step ${i}` }).snapshot.id
      fps[id] = fingerprint(vm)
      vm.runFor(30_000)
    }
    archive = path.join(other, 'lab1.vmwb.tar.gz')
  })
  afterEach(() => {
    removeDir(dir)
    removeDir(other)
  })

  it('export → import into another store: same tree, every snapshot reverts to the same state', async () => {
    const progress: number[] = []
    const ex = await exportVmArchive(store, 'lab1', archive, { onProgress: (p) => progress.push(p.done) })
    expect(ex.snapshots).toBe(3)
    expect(ex.pages).toBe(store.pages.pageCount)
    expect(progress.at(-1)).toBe(ex.pages)
    expect(fs.existsSync(archive + '.tmp')).toBe(false)
    // a standard tar.gz: gunzip + our reader list the entries
    const names: string[] = []
    const r = new TarReader((name) => {
      names.push(name)
      return { data: () => undefined, end: () => undefined }
    })
    r.push(gunzipSync(fs.readFileSync(archive)))
    expect(names).toEqual(['vmm-workbench-archive.json', 'snapshots/snap-0001.json', 'snapshots/snap-0002.json', 'snapshots/snap-0003.json', 'pages.bin'])

    const target = openSnapshotStore(path.join(other, 'store'), { clock: testClock() })
    const im = await importVmArchive(target, archive)
    expect(im).toMatchObject({ vmId: 'lab1', name: 'Malware lab', renamed: false, snapshots: 3, pages: ex.pages, pagesWritten: ex.pages })
    const list = target.listSnapshots('lab1')
    expect(list.map((s) => [s.id, s.parent, s.description, s.current])).toEqual(
      store.listSnapshots('lab1').map((s) => [s.id, s.parent, s.description, s.current])
    )
    for (const s of list) {
      const vm = new SyntheticVm({ pages: 256, seed: 1 })
      target.revert('lab1', s.id, vm)
      expect(fingerprint(vm)).toBe(fps[s.id])
    }
    expect(fsckStore(path.join(other, 'store')).ok).toBe(true)
  })

  it('never overwrites an existing VM: refuses, or imports under a new id sharing the pages', async () => {
    await exportVmArchive(store, 'lab1', archive)
    const packBytes = store.pages.diskBytes()
    const e = await engineErrorOfAsync(() => importVmArchive(store, archive))
    expect(e.code).toBe('SNAPSHOT_IMPORT_VM_EXISTS')
    expect(e.params).toEqual({ vm: 'lab1' })
    expect(store.pages.diskBytes()).toBe(packBytes)
    const im = await importVmArchive(store, archive, { onConflict: 'rename' })
    expect(im).toMatchObject({ vmId: 'lab1-2', name: 'Malware lab (2)', renamed: true, pagesWritten: 0 })
    expect(store.pages.diskBytes()).toBe(packBytes) // every page was already there
    expect(store.listVms().map((v) => v.vmId).sort()).toEqual(['lab1', 'lab1-2'])
    const vm = new SyntheticVm({ pages: 256, seed: 1 })
    store.revert('lab1-2', 'snap-0002', vm)
    expect(fingerprint(vm)).toBe(fps['snap-0002'])
    expect(store.manifest('lab1-2', 'snap-0002').definition.name).toBe('Malware lab (2)')
  })

  it('refuses corrupt archives clearly and leaves the store as it was', async () => {
    await exportVmArchive(store, 'lab1', archive)
    const good = fs.readFileSync(archive)
    const target = path.join(other, 'store')
    const t = openSnapshotStore(target, { clock: testClock() })
    const cases: [string, Buffer, RegExp][] = []
    const flipped = Buffer.from(good)
    flipped[Math.floor(good.length / 2)] ^= 0x55
    cases.push(['flipped byte', flipped, /SNAPSHOT_ARCHIVE_CORRUPT/])
    cases.push(['truncated', good.subarray(0, good.length - 200), /SNAPSHOT_ARCHIVE_CORRUPT/])
    cases.push(['not gzip', Buffer.from('hello, this is not an archive'), /SNAPSHOT_ARCHIVE_CORRUPT/])
    const tar = gunzipSync(good)
    const badPage = Buffer.from(tar)
    badPage[tar.length - 1024 - 4096 + 7] ^= 1 // inside the last page of pages.bin, gzip itself intact
    cases.push(['page bytes', gzipSync(badPage), /SNAPSHOT_ARCHIVE_CORRUPT/])
    for (const [what, bytes, code] of cases) {
      const f = path.join(other, `bad-${what.replace(/ /g, '-')}.tar.gz`)
      fs.writeFileSync(f, bytes)
      const e = await engineErrorOfAsync(() => importVmArchive(t, f))
      expect(`${what}: ${e.code}`).toMatch(code)
      expect(e.params.file).toBe(f)
      expect(t.listVms()).toEqual([])
      expect(t.pages.pageCount).toBe(0)
      expect(fs.readdirSync(path.join(target, 'packs'))).toEqual([])
    }
    expect(fsckStore(target).ok).toBe(true)
  })

  it('refuses an archive of another format version with both versions named', async () => {
    const header = JSON.stringify({ format: 'vmm-workbench-vm-archive', formatVersion: 7, vm: { vmId: 'x' }, snapshots: [], pages: 0 })
    const { createHash } = await import('node:crypto')
    const sealed = Buffer.from(JSON.stringify({ ...JSON.parse(header), checksum: createHash('sha256').update(header).digest('hex') }))
    const tar = Buffer.concat([tarHeader('vmm-workbench-archive.json', sealed.length), sealed, tarPadding(sealed.length), TAR_END])
    const f = path.join(other, 'future.tar.gz')
    fs.writeFileSync(f, gzipSync(tar))
    const e = await engineErrorOfAsync(() => importVmArchive(store, f))
    expect(e.code).toBe('SNAPSHOT_ARCHIVE_VERSION')
    expect(e.params).toMatchObject({ found: '7', supported: 1 })
  })
})
