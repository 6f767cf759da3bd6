// The service keeps one snapshot store per data directory: its lock is held while the service runs (a second
// opener is refused with SNAPSHOT_STORE_BUSY) and released when it closes; requests that arrive together are
// queued (no lost update of the current position, distinct snapshot ids, a consistent tree). Archives go to and
// come from any path only where the service has a file dialog (the desktop); elsewhere paths are refused.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { snapshotHandlers as h } from '../../../src/main/service/handlers/snapshots'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import { StoreKeeper } from '../../../src/main/engine/snapshot/keeper'
import { fsckStore } from '../../../src/main/engine/snapshot/fsck'
import { GUEST_DIR, ROOT, realEngineService, until } from '../service/helpers'

const { service, dataDir } = realEngineService('wb-snapq-')
const elsewhere = mkdtempSync(join(tmpdir(), 'wb-snap-elsewhere-'))
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }))

const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())

describe.runIf(existsSync(join(GUEST_DIR, 'kernel.elf')))('the service’s snapshot store', () => {
  it('holds the lock while it runs, queues concurrent requests, releases the lock on close', async () => {
    const vm = service.create({ name: 'queued', memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: false, hostId: 'host-a' })
    await service.start(vm.id)
    await until(() => text(vm.id).includes('wb$ '), 60_000)
    await h['snapshots.list']({ vmId: vm.id }, service)
    const lockFile = join(dataDir, 'snapshots', 'store.lock')
    expect(readFileSync(lockFile, 'utf8').split(' ')[0]).toBe(String(process.pid))
    expect(() => StoreKeeper.open(join(dataDir, 'snapshots'), () => 0)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_STORE_BUSY' }))

    // five requests at once: three takes, a list and a revert to the first
    const first = await h['snapshots.take']({ vmId: vm.id, description: 'base', live: false }, service)
    const all = await Promise.all([
      h['snapshots.take']({ vmId: vm.id, description: 'a', live: false }, service),
      h['snapshots.list']({ vmId: vm.id }, service),
      h['snapshots.take']({ vmId: vm.id, description: 'b', live: true }, service),
      h['snapshots.revert']({ vmId: vm.id, snapshotId: first.snapshot.id }, service),
      h['snapshots.take']({ vmId: vm.id, description: 'c', live: false }, service)
    ])
    const [a, listed, b, , c] = all
    expect(new Set([a.snapshot.id, b.snapshot.id, c.snapshot.id]).size).toBe(3)
    expect(listed.snapshots.length).toBe(2) // it ran after the first take of the batch, before the second
    // each take descends from what was current when its turn came: a from base, b from a, c from the revert (base)
    expect([a.snapshot.parent, b.snapshot.parent, c.snapshot.parent]).toEqual([first.snapshot.id, a.snapshot.id, first.snapshot.id])
    const tree = await h['snapshots.list']({ vmId: vm.id }, service)
    expect(tree.current).toBe(c.snapshot.id)
    expect(tree.snapshots.filter((x) => x.current).map((x) => x.id)).toEqual([c.snapshot.id])

    // paths are for the desktop only
    const target = join(elsewhere, 'lab.tar.gz')
    await expect(h['snapshots.export']({ vmId: vm.id, path: target }, service)).rejects.toMatchObject({ code: 'SNAPSHOT_ARCHIVE_PATH' })
    await expect(h['snapshots.pickArchive']({ mode: 'save', suggestedName: 'x.tar.gz' }, service)).rejects.toMatchObject({ code: 'SNAPSHOT_NO_FILE_DIALOG' })
    await service.stop(vm.id)
    expect(fsckStore(join(dataDir, 'snapshots')).problems).toEqual([]) // fsck only reads: fine while the lock is held

    await service.close()
    expect(existsSync(lockFile)).toBe(false)
    const again = StoreKeeper.open(join(dataDir, 'snapshots'), () => 0)
    expect(again.store.listSnapshots(vm.id)).toHaveLength(4)
    await again.close()
  }, 180_000)

  it('on the desktop, exports to and imports from a path the user picked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-snapdesk-'))
    const picked: string[] = []
    const target = join(elsewhere, 'picked lab.tar.gz')
    const desk = new WorkbenchService({
      dataDir: dir,
      guestDir: GUEST_DIR,
      hostWorker: sourceWorkerEntry(ROOT),
      pickFile: async (mode, suggested) => {
        picked.push(`${mode}:${suggested}`)
        return target
      }
    })
    try {
      const vm = desk.create({ name: 'desk', memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: false, hostId: 'host-a' })
      await desk.start(vm.id)
      await h['snapshots.take']({ vmId: vm.id, description: 'boot', live: false }, desk)
      const { path } = await h['snapshots.pickArchive']({ mode: 'save', suggestedName: 'desk.tar.gz' }, desk)
      expect(picked).toEqual(['save:desk.tar.gz'])
      const ex = await h['snapshots.export']({ vmId: vm.id, path: path as string }, desk)
      expect(ex).toMatchObject({ path: target, file: 'picked lab.tar.gz', snapshots: 1 })
      expect(existsSync(target)).toBe(true)
      await expect(h['snapshots.export']({ vmId: vm.id, path: join(elsewhere, 'no-suffix') }, desk)).rejects.toMatchObject({ code: 'SNAPSHOT_ARCHIVE_PATH' })
      // the name exists: refused, never overwritten; then imported under a new name
      await expect(h['snapshots.import']({ path: target, rename: false }, desk)).rejects.toMatchObject({ code: 'SNAPSHOT_IMPORT_VM_EXISTS', params: { vm: 'desk' } })
      const imported = await h['snapshots.import']({ path: target, rename: true }, desk)
      expect(imported.name).toBe('desk (2)')
      expect((await h['snapshots.list']({ vmId: imported.id }, desk)).snapshots.map((s) => s.description)).toEqual(['boot'])
      await desk.stop(vm.id)
    } finally {
      await desk.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)
})
