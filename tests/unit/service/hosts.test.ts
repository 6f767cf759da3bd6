// Editing the cluster through the service's dispatch (the path both transports take): add, redefine and remove
// hosts, load the teaching-lab preset and reset; each refusal with its code and params; the file on disk read
// back by a new service; worker threads started for a new host and shut down when it is removed. VMs are the
// synthetic ones (the real guest on an added host: hosts-engine.test.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Worker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { teachingLabCluster } from '../../../src/main/engine/cluster/planner'
import { dispatch } from '../../../src/main/service/dispatch'
import type { HostConnection } from '../../../src/main/service/host-connection'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import type { CommandName, ErrorPayload, Host, HostPresetPreview, RequestOf } from '../../../src/shared/contract'
import { LEGACY_BOOT } from '../../../src/shared/contract'
import { ROOT, until } from './helpers'

const SYNTHETIC = resolve(__dirname, 'synthetic-vm.ts')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function setup(dataDir?: string) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'wb-hosts-'))
  const guestDir = join(dir, 'guest')
  mkdirSync(guestDir, { recursive: true })
  writeFileSync(join(guestDir, 'demo.elf'), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]))
  const service = new WorkbenchService({ dataDir: dir, guestDir, hostWorker: sourceWorkerEntry(ROOT, SYNTHETIC), batchHz: 20 })
  const changes: Host[][] = []
  service.onEvent((event, payload) => {
    if (event === 'hosts.changed') changes.push((payload as { hosts: Host[] }).hosts)
  })
  cleanups.push(() => service.close())
  if (!dataDir) cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const call = async <N extends CommandName>(command: N, payload: RequestOf<N>): Promise<{ ok: true; value: unknown } | { ok: false; error: ErrorPayload }> => {
    const r = await dispatch(service, { kind: 'call', id: 1, command, payload })
    if (r.kind !== 'result') throw new Error('protocol error')
    return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error }
  }
  /** The error a call must fail with. */
  const refused = async <N extends CommandName>(command: N, payload: RequestOf<N>): Promise<ErrorPayload> => {
    const r = await call(command, payload)
    if (r.ok) throw new Error(`${command} was accepted`)
    return r.error
  }
  const ok = async <N extends CommandName>(command: N, payload: RequestOf<N>): Promise<unknown> => {
    const r = await call(command, payload)
    if (!r.ok) throw new Error(`${command} refused: ${JSON.stringify(r.error)}`)
    return r.value
  }
  return { service, dataDir: dir, changes, refused, ok }
}

const lab = { name: 'lab-x', cores: 2, memoryMiB: 512, iommu: false, sriovVfs: 0 }
const vm = { name: 'alpha', memoryMiB: 64, vcpus: 1, image: 'demo.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' } as const
const names = (s: WorkbenchService): string[] => s.hostList().map((h) => h.name)

/** The thread behind a host connection (private in the class; -1 once the thread has stopped, per Node's docs). */
const threadOf = (c: HostConnection): Worker => (c as unknown as { worker: Worker }).worker

describe('hosts: add, edit, remove', () => {
  it('adds a host, derives a unique id, emits hosts.changed and refuses bad or duplicate input', async () => {
    const { service, changes, refused, ok } = setup()
    const added = (await ok('hosts.create', { ...lab, name: '  Lab.X ' })) as Host
    expect(added).toEqual({ id: 'lab-x', name: 'Lab.X', cores: 2, memoryMiB: 512, iommu: false, sriovVfs: 0, usedMemoryMiB: 0, usedVfs: 0, vmCount: 0, online: false, worker: 'idle' })
    expect(changes.at(-1)?.map((h) => h.id)).toEqual(['host-a', 'host-b', 'lab-x'])
    // another name with the same slug gets the next free id; names compare without case
    expect(((await ok('hosts.create', { ...lab, name: 'lab_x' })) as Host).id).toBe('lab-x-2')
    expect(await refused('hosts.create', { ...lab, name: 'LAB.x' })).toEqual({ code: 'HOST_NAME_TAKEN', params: { name: 'LAB.x' } })
    const field = async (payload: RequestOf<'hosts.create'>) => (await refused('hosts.create', payload)).params
    expect(await field({ ...lab, name: '' })).toEqual({ command: 'hosts.create', field: 'name', reason: 'HOST_NAME_REQUIRED' })
    expect(await field({ ...lab, name: '-x' })).toMatchObject({ field: 'name', reason: 'HOST_NAME_FORMAT' })
    expect(await field({ ...lab, name: 'x'.repeat(33) })).toMatchObject({ field: 'name', reason: 'HOST_NAME_TOO_LONG' })
    expect(await field({ ...lab, cores: 0 })).toMatchObject({ field: 'cores', reason: 'HOST_CORES_RANGE' })
    expect(await field({ ...lab, memoryMiB: 65537 })).toMatchObject({ field: 'memoryMiB', reason: 'HOST_MEMORY_RANGE' })
    expect(await field({ ...lab, memoryMiB: 100.5 })).toMatchObject({ field: 'memoryMiB', reason: 'HOST_MEMORY_RANGE' })
    expect(await field({ ...lab, sriovVfs: 65 })).toMatchObject({ field: 'sriovVfs', reason: 'HOST_VFS_RANGE' })
    expect(names(service)).toEqual(['host-a', 'host-b', 'Lab.X', 'lab_x'])
    // at most 16 hosts
    for (let i = 5; i <= 16; i++) await ok('hosts.create', { ...lab, name: `n${i}` })
    expect(await refused('hosts.create', { ...lab, name: 'n17' })).toEqual({ code: 'HOST_TOO_MANY', params: { max: 16 } })
    expect(service.hostList()).toHaveLength(16)
  })

  it('edits a host but not below what its VMs use', async () => {
    const { service, refused, ok } = setup()
    const a = service.hosts.get('host-a')
    const edit = (patch: Partial<typeof lab>) => ({ id: 'host-a', name: a.name, cores: a.cores, memoryMiB: a.memoryMiB, iommu: a.iommu, sriovVfs: a.sriovVfs, ...patch })
    // a VM saved before the service limited vCPUs to the one hart the engine runs still counts against the host
    const big = service.vms.add({ ...vm, name: 'big', memoryMiB: 1024, vcpus: 3, boot: LEGACY_BOOT })
    service.create({ ...vm, name: 'vf1', nic: 'sriov-vf' })
    service.create({ ...vm, name: 'vf2', nic: 'vf-failover' })
    expect(await refused('hosts.update', edit({ memoryMiB: 1000 }))).toEqual({
      code: 'HOST_MEMORY_BELOW_VM',
      params: { host: 'host-a', requested: 1000, vm: 'big', memory: 1024 }
    })
    expect(await refused('hosts.update', edit({ cores: 2 }))).toEqual({ code: 'HOST_CORES_BELOW_VM', params: { host: 'host-a', requested: 2, vm: 'big', vcpus: 3 } })
    expect(await refused('hosts.update', edit({ sriovVfs: 1 }))).toEqual({ code: 'HOST_VFS_IN_USE', params: { host: 'host-a', requested: 1, used: 2 } })
    expect(await refused('hosts.update', edit({ iommu: false }))).toEqual({ code: 'HOST_IOMMU_IN_USE', params: { host: 'host-a', used: 2 } })
    expect(await refused('hosts.update', edit({ name: 'HOST-B' }))).toEqual({ code: 'HOST_NAME_TAKEN', params: { name: 'HOST-B' } })
    expect(await refused('hosts.update', { ...edit({}), id: 'nope' })).toEqual({ code: 'HOST_NOT_FOUND', params: { id: 'nope' } })
    // running VMs count together: 1024 + 64 + 64 MiB
    await service.start(big.id)
    for (const v of service.vms.list().filter((x) => x.name.startsWith('vf'))) await service.start(v.id)
    expect(await refused('hosts.update', edit({ memoryMiB: 1100 }))).toEqual({ code: 'HOST_MEMORY_IN_USE', params: { host: 'host-a', requested: 1100, used: 1152 } })
    // the running worker set up the host network with 4 VFs behind an IOMMU: that stays while VMs run there
    expect(await refused('hosts.update', edit({ sriovVfs: 2 }))).toEqual({ code: 'HOST_CAPS_IN_USE', params: { host: 'host-a', count: 3 } })
    // what fits is accepted, renamed in place (same id, VMs stay, worker too), and the wizard's limits follow
    const worker = service.hosts.existing('host-a')
    const saved = (await ok('hosts.update', edit({ name: 'rack-1', memoryMiB: 1152, cores: 3 }))) as Host
    expect(saved).toMatchObject({ id: 'host-a', name: 'rack-1', memoryMiB: 1152, cores: 3, sriovVfs: 4, usedVfs: 2, usedMemoryMiB: 1152, vmCount: 3, worker: 'running' })
    expect(service.hosts.existing('host-a')).toBe(worker)
    expect(() => service.create({ ...vm, name: 'wide', vcpus: 4 })).toThrow(expect.objectContaining({ code: 'VM_VCPUS_OVER_HOST', params: { host: 'rack-1', cores: 3 } }))
    const small = service.create({ ...vm, name: 'small' })
    await expect(service.start(small.id)).rejects.toMatchObject({ code: 'HOST_OUT_OF_MEMORY', params: { host: 'rack-1', requested: 64, free: 0 } })
  })

  it('removes a host only without VMs and never the last one', async () => {
    const { service, changes, refused, ok } = setup()
    const v = service.create({ ...vm, hostId: 'host-b' })
    expect(await refused('hosts.delete', { id: 'host-b' })).toEqual({ code: 'HOST_HAS_VMS', params: { host: 'host-b', count: 1 } })
    expect(await refused('hosts.delete', { id: 'nope' })).toEqual({ code: 'HOST_NOT_FOUND', params: { id: 'nope' } })
    await service.remove(v.id)
    expect(await ok('hosts.delete', { id: 'host-b' })).toEqual({ ok: true })
    expect(changes.at(-1)?.map((h) => h.id)).toEqual(['host-a'])
    expect(await refused('hosts.delete', { id: 'host-a' })).toEqual({ code: 'HOST_LAST', params: { host: 'host-a' } })
    expect(() => service.create({ ...vm, hostId: 'host-b' })).toThrow(expect.objectContaining({ code: 'HOST_NOT_FOUND' }))
  })

  it('keeps the edits in hosts.json and reads them back after a restart', async () => {
    const { service, dataDir, ok } = setup()
    await ok('hosts.create', lab)
    await ok('hosts.update', { id: 'host-a', name: 'host-a', cores: 8, memoryMiB: 4096, iommu: true, sriovVfs: 8 })
    await ok('hosts.delete', { id: 'host-b' })
    const onDisk = JSON.parse(readFileSync(join(dataDir, 'hosts.json'), 'utf8')) as { id: string; memoryMiB: number }[]
    expect(onDisk.map((h) => `${h.id}:${h.memoryMiB}`)).toEqual(['host-a:4096', 'lab-x:512'])
    await service.close()
    const again = setup(dataDir).service
    expect(again.hostList().map(({ id, name, cores, memoryMiB, iommu, sriovVfs }) => ({ id, name, cores, memoryMiB, iommu, sriovVfs }))).toEqual([
      { id: 'host-a', name: 'host-a', cores: 8, memoryMiB: 4096, iommu: true, sriovVfs: 8 },
      { id: 'lab-x', ...lab }
    ])
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  })
})

describe('hosts: presets', () => {
  it('loads the teaching lab (the planner cluster) and resets to the default, refusing while VMs would lose their host', async () => {
    const { service, refused, ok } = setup()
    const v = service.create({ ...vm })
    const blocked = (await ok('hosts.presetPreview', { preset: 'teaching-lab' })) as HostPresetPreview
    expect(blocked).toEqual({
      preset: 'teaching-lab',
      removed: ['host-a', 'host-b'],
      added: ['lab-a', 'lab-b', 'lab-c', 'lab-d'],
      kept: [],
      refusal: { code: 'HOST_PRESET_BLOCKED', params: { host: 'host-a', count: 1 } }
    })
    expect(await refused('hosts.loadPreset', { preset: 'teaching-lab' })).toEqual(blocked.refusal)
    expect(names(service)).toEqual(['host-a', 'host-b'])

    await service.remove(v.id)
    expect(((await ok('hosts.presetPreview', { preset: 'teaching-lab' })) as HostPresetPreview).refusal).toBeNull()
    const loaded = (await ok('hosts.loadPreset', { preset: 'teaching-lab' })) as Host[]
    const cluster = teachingLabCluster().hosts
    expect(loaded.map(({ name, cores, memoryMiB, iommu, sriovVfs }) => ({ name, cores, memoryMiB, iommu, sriovVfs }))).toEqual(
      cluster.map(({ name, cores, memoryMiB, iommu, sriovVfs }) => ({ name, cores, memoryMiB, iommu, sriovVfs }))
    )
    expect(loaded.filter((h) => !h.iommu).map((h) => h.id)).toEqual(['lab-c', 'lab-d'])
    // a VM on a no-IOMMU lab host cannot take a VF; on lab-a it can
    expect(() => service.create({ ...vm, hostId: 'lab-c', nic: 'sriov-vf' })).toThrow(expect.objectContaining({ code: 'HOST_NO_IOMMU', params: { host: 'lab-c' } }))
    const onA = service.create({ ...vm, name: 'web', hostId: 'lab-a', nic: 'sriov-vf' })
    expect(await refused('hosts.loadPreset', { preset: 'default' })).toEqual({ code: 'HOST_PRESET_BLOCKED', params: { host: 'lab-a', count: 1 } })
    await service.remove(onA.id)
    await ok('hosts.loadPreset', { preset: 'default' })
    expect(names(service)).toEqual(['host-a', 'host-b'])
  })

  it('refuses a preset that would redefine a host below what its VMs use', async () => {
    const { service, refused, ok } = setup()
    await ok('hosts.update', { id: 'host-a', name: 'host-a', cores: 8, memoryMiB: 2048, iommu: true, sriovVfs: 4 })
    const preview = async () => (await ok('hosts.presetPreview', { preset: 'default' })) as HostPresetPreview
    expect((await preview()).kept).toEqual(['host-a', 'host-b'])
    expect((await preview()).refusal).toBeNull()
    expect(await refused('vms.create', { ...vm, name: 'wide', vcpus: 6 })).toEqual({ code: 'VM_VCPUS_UNIPROCESSOR', params: { vcpus: 6, max: 1 } })
    service.vms.add({ ...vm, name: 'wide', vcpus: 6, boot: LEGACY_BOOT }) // saved before that limit
    expect((await preview()).refusal).toEqual({ code: 'HOST_CORES_BELOW_VM', params: { host: 'host-a', requested: 4, vm: 'wide', vcpus: 6 } })
    expect(await refused('hosts.loadPreset', { preset: 'default' })).toMatchObject({ code: 'HOST_CORES_BELOW_VM' })
  })
})

describe('hosts: worker threads', () => {
  it('a new host gets its own worker that runs a VM; removing the host stops that thread', async () => {
    const { service, ok } = setup()
    await ok('hosts.create', lab)
    const v = service.create({ ...vm, hostId: 'lab-x' })
    expect(service.hostList().find((h) => h.id === 'lab-x')?.worker).toBe('idle')
    await service.start(v.id)
    await until(() => new TextDecoder().decode(service.vms.rt(v.id).serial.contents()).includes('synthetic alpha'))
    expect(await until(() => service.vms.rt(v.id).stats)).toMatchObject({ id: v.id })
    const conn = service.hosts.existing('lab-x')
    if (!conn) throw new Error('no worker for lab-x')
    expect(conn).not.toBe(service.hosts.existing('host-a'))
    const thread = threadOf(conn)
    expect(thread.threadId).toBeGreaterThan(0)
    expect(service.hostList().find((h) => h.id === 'lab-x')).toMatchObject({ worker: 'running', online: true, usedMemoryMiB: 64, vmCount: 1 })

    await service.remove(v.id)
    await ok('hosts.delete', { id: 'lab-x' })
    expect(thread.threadId).toBe(-1)
    expect(conn.online).toBe(false)
    expect(service.hosts.existing('lab-x')).toBeNull()
    await expect(conn.call('vm.stop', { vmId: v.id })).rejects.toMatchObject({ code: 'HOST_WORKER_FAILED' })
    expect(() => service.hosts.connection('lab-x')).toThrow(expect.objectContaining({ code: 'HOST_NOT_FOUND' }))
  })

  it('a network change ends an idle worker, so the next VM start sets the host up anew', async () => {
    const { service, ok } = setup()
    const v = service.create({ ...vm, hostId: 'host-b' })
    await service.start(v.id)
    const first = await until(() => service.hosts.existing('host-b'))
    await service.stop(v.id)
    // no VM runs: the worker is still up, with host-b's old network (no IOMMU, no VFs)
    expect(service.hostList().find((h) => h.id === 'host-b')?.worker).toBe('running')
    // cores and memory do not concern the worker
    await ok('hosts.update', { id: 'host-b', name: 'host-b', cores: 4, memoryMiB: 2048, iommu: false, sriovVfs: 0 })
    expect(service.hosts.existing('host-b')).toBe(first)
    await ok('hosts.update', { id: 'host-b', name: 'host-b', cores: 4, memoryMiB: 2048, iommu: true, sriovVfs: 2 })
    expect(threadOf(first).threadId).toBe(-1)
    expect(service.hostList().find((h) => h.id === 'host-b')).toMatchObject({ worker: 'idle', iommu: true, sriovVfs: 2 })
    const withVf = service.create({ ...vm, name: 'beta', hostId: 'host-b', nic: 'sriov-vf' })
    await service.start(withVf.id)
    const second = await until(() => service.hosts.existing('host-b'))
    expect(second).not.toBe(first)
    expect(threadOf(second).threadId).toBeGreaterThan(0)
  })

  it('loading a preset stops the workers of the hosts it removes', async () => {
    const { service, ok } = setup()
    const v = service.create({ ...vm, hostId: 'host-b' })
    await service.start(v.id)
    const conn = await until(() => service.hosts.existing('host-b'))
    await service.remove(v.id)
    await ok('hosts.loadPreset', { preset: 'teaching-lab' })
    expect(threadOf(conn).threadId).toBe(-1)
    expect(service.hostList().every((h) => h.worker === 'idle')).toBe(true)
  })
})
