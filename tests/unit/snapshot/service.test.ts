// Snapshots through the service with the real VMM in its host worker: take while the shell runs, type, revert
// (the typed line is gone from the guest's memory: the shell behaves as at the snapshot), revert a stopped VM
// (built and left paused), clone, export and import an archive as a new VM.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { snapshotHandlers as h } from '../../../src/main/service/handlers/snapshots'
import { GUEST_DIR, realEngineService, until } from '../service/helpers'
import { fsckStore } from '../../../src/main/engine/snapshot/fsck'

const { service, dataDir } = realEngineService('wb-snap-')

const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())

describe.runIf(existsSync(join(GUEST_DIR, 'kernel.elf')))('snapshots through the service', () => {
  it('take, revert (running and stopped), clone, export and import', async () => {
    const vm = service.create({ name: 'lab', memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: false, hostId: 'host-a', boot: { kind: 'selftest' } })
    const events: string[] = []
    const progress: { op: string; done: number; total: number }[] = []
    service.onEvent((e, p) => {
      if (e === 'snapshots.changed') events.push(`changed:${(p as { vmId: string }).vmId}`)
      if (e === 'snapshot.progress') progress.push(p as { op: string; done: number; total: number })
    })
    await service.start(vm.id)
    await until(() => text(vm.id).includes('wb$ '), 60_000)
    await service.pause(vm.id)
    const taken = await h['snapshots.take']({ vmId: vm.id, description: 'at the prompt', live: false }, service)
    expect(taken.snapshot).toMatchObject({ id: 'snap-0001', description: 'at the prompt', current: true, parent: null })
    expect(taken.pagesWritten).toBeGreaterThan(10)
    // the host worker reported page progress (16 MiB = 4096 pages) through its progress port
    await until(() => progress.some((p) => p.op === 'take' && p.total === 4096 && p.done > 0), 2000)
    await service.resume(vm.id)

    // type a command, then revert: the guest is back at the prompt with nothing typed
    await service.sendSerial(vm.id, 'echo before-revert\r')
    await until(() => text(vm.id).split('before-revert').length >= 3, 20_000)
    const rev = await h['snapshots.revert']({ vmId: vm.id, snapshotId: 'snap-0001' }, service)
    expect(rev.vm.state).toBe('running')
    expect(rev.pagesRead).toBeGreaterThan(0)
    expect(rev.pagesKept).toBeGreaterThan(rev.pagesRead) // the kernel did not change: verified in place
    await service.sendSerial(vm.id, 'echo after-revert\r')
    await until(() => text(vm.id).split('after-revert').length >= 3, 20_000)

    const tree = await h['snapshots.list']({ vmId: vm.id }, service)
    expect(tree.current).toBe('snap-0001')
    expect(tree.storeBytes).toBeGreaterThan(taken.pagesWritten * 4096)

    // a stopped VM is built from the snapshot and left paused; resumed, it answers at once. Listing its
    // snapshots (the panel does) has its host warm a RAM buffer meanwhile, which the VM built for the revert takes
    await service.stop(vm.id)
    const host = service.hosts.connection('host-a')
    const pool0 = await host.call('snapshot.ramPool', {})
    await h['snapshots.list']({ vmId: vm.id }, service)
    for (let i = 0; (await host.call('snapshot.ramPool', {})).buffers <= pool0.buffers; i++) {
      if (i > 3000) throw new Error('the host did not warm a buffer')
      await new Promise((r) => setTimeout(r, 20))
    }
    const cold = await h['snapshots.revert']({ vmId: vm.id, snapshotId: 'snap-0001' }, service)
    const pool1 = await host.call('snapshot.ramPool', {})
    expect(pool1.taken).toBe(pool0.taken + 1)
    expect(pool1.buffers).toBe(pool0.buffers)
    expect(cold.vm.state).toBe('paused')
    expect(cold.pagesRead + cold.pagesKept).toBe(taken.snapshot.nonZeroBytes / 4096) // the freshly loaded kernel image matches in place
    expect(cold.pagesRead).toBeGreaterThan(cold.pagesKept)
    await service.resume(vm.id)
    await service.sendSerial(vm.id, 'echo cold-revert\r')
    await until(() => text(vm.id).split('cold-revert').length >= 3, 20_000)
    expect(text(vm.id)).not.toContain('VMM Workbench teaching kernel') // no boot: it resumed at the prompt

    // clone: a new stopped VM sharing the pages
    const clone = await h['snapshots.clone']({ vmId: vm.id, snapshotId: 'snap-0001', name: 'lab copy' }, service)
    expect(clone).toMatchObject({ name: 'lab copy', state: 'stopped', memoryMiB: 16 })
    const cloneTree = await h['snapshots.list']({ vmId: clone.id }, service)
    expect(cloneTree.snapshots.map((s) => s.id)).toEqual(['snap-0001'])

    // export → import as a new VM (the name exists: refused, then renamed)
    const ex = await h['snapshots.export']({ vmId: vm.id }, service)
    expect(existsSync(ex.path)).toBe(true)
    expect((await h['snapshots.archives']({}, service)).archives.map((a) => a.file)).toEqual([ex.file])
    await expect(h['snapshots.import']({ file: ex.file, rename: false }, service)).rejects.toMatchObject({ code: 'SNAPSHOT_IMPORT_VM_EXISTS' })
    const imported = await h['snapshots.import']({ file: ex.file, rename: true }, service)
    expect(imported).toMatchObject({ name: 'lab (2)', state: 'stopped' })
    const importedTree = await h['snapshots.list']({ vmId: imported.id }, service)
    expect(importedTree.snapshots.map((s) => s.description)).toEqual(['at the prompt'])

    // the store check through the service: three VMs, three snapshots sharing their pages, nothing wrong
    const check = await h['snapshots.check']({}, service)
    expect(check).toMatchObject({ ok: true, vms: 3, snapshots: 3, problems: [], leftovers: 0 })
    expect(check.pages).toBe(taken.snapshot.nonZeroBytes / 4096)

    await h['snapshots.delete']({ vmId: vm.id, snapshotId: 'snap-0001' }, service)
    expect((await h['snapshots.list']({ vmId: vm.id }, service)).snapshots).toEqual([])
    await service.stop(vm.id)
    expect(fsckStore(join(dataDir, 'snapshots')).problems).toEqual([])
    expect(events).toContain(`changed:${vm.id}`)
  }, 180_000)
})
