// The service with real host worker threads (source mode through tsx) and a synthetic VM factory: create,
// validation, start, serial in/out, pause/resume, stop, delete, persistence across a restart.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { dispatch } from '../../../src/main/service/dispatch'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import type { EventName } from '../../../src/shared/contract'
import { ROOT, until } from './helpers'

const SYNTHETIC = resolve(__dirname, 'synthetic-vm.ts')

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function setup(dataDir?: string): { service: WorkbenchService; dataDir: string; guestDir: string; events: { event: EventName; payload: unknown }[] } {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'wb-svc-'))
  const guestDir = join(dir, 'guest')
  mkdirSync(guestDir, { recursive: true })
  writeFileSync(join(guestDir, 'demo.elf'), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]))
  const service = new WorkbenchService({ dataDir: dir, guestDir, hostWorker: sourceWorkerEntry(ROOT, SYNTHETIC), batchHz: 20 })
  const events: { event: EventName; payload: unknown }[] = []
  service.onEvent((event, payload) => events.push({ event, payload }))
  cleanups.push(() => service.close())
  if (!dataDir) cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return { service, dataDir: dir, guestDir, events }
}

const base = { name: 'alpha', memoryMiB: 64, vcpus: 1, image: 'demo.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' } as const

function consoleText(service: WorkbenchService, id: string): string {
  return new TextDecoder().decode(service.vms.rt(id).serial.contents())
}

describe('WorkbenchService', () => {
  it('lists the two default hosts with their capabilities and the guest images', async () => {
    const { service } = setup()
    const hosts = await dispatch(service, { kind: 'call', id: 1, command: 'hosts.list', payload: {} })
    expect(hosts.kind === 'result' && hosts.ok && hosts.value).toEqual([
      expect.objectContaining({ id: 'host-a', cores: 4, iommu: true, sriovVfs: 4, vmCount: 0, usedMemoryMiB: 0 }),
      expect.objectContaining({ id: 'host-b', cores: 2, iommu: false, sriovVfs: 0 })
    ])
    expect(service.images()).toEqual([{ file: 'demo.elf', sizeBytes: 8 }])
  })

  it('refuses invalid VMs with typed errors', async () => {
    const { service } = setup()
    const call = async (payload: unknown) => {
      const r = await dispatch(service, { kind: 'call', id: 7, command: 'vms.create', payload })
      if (r.kind !== 'result' || r.ok) throw new Error('expected an error reply')
      return r.error
    }
    expect(await call({ ...base, name: '' })).toEqual({ code: 'REQUEST_INVALID', params: { command: 'vms.create', field: 'name', reason: 'VM_NAME_REQUIRED' } })
    expect(await call({ ...base, memoryMiB: 8 })).toMatchObject({ params: { field: 'memoryMiB', reason: 'VM_MEMORY_RANGE' } })
    expect(await call({ ...base, memoryMiB: 'lots' })).toMatchObject({ params: { field: 'memoryMiB', reason: 'VM_MEMORY_RANGE' } })
    expect(await call({ ...base, hostId: 'host-b', nic: 'sriov-vf' })).toEqual({ code: 'HOST_NO_IOMMU', params: { host: 'host-b' } })
    expect(await call({ ...base, hostId: 'host-b', vcpus: 3 })).toEqual({ code: 'VM_VCPUS_OVER_HOST', params: { host: 'host-b', cores: 2 } })
    expect(await call({ ...base, image: 'missing.elf' })).toEqual({ code: 'VM_IMAGE_NOT_FOUND', params: { image: 'missing.elf' } })
    expect(await call({ ...base, hostId: 'nowhere' })).toEqual({ code: 'HOST_NOT_FOUND', params: { id: 'nowhere' } })
    service.create({ ...base })
    expect(await call({ ...base, name: 'ALPHA' })).toEqual({ code: 'VM_NAME_TAKEN', params: { name: 'ALPHA' } })
    // VFs run out: host-a has 4
    for (let i = 0; i < 4; i++) service.create({ ...base, name: `vf${i}`, nic: 'sriov-vf' })
    expect(await call({ ...base, name: 'vf4', nic: 'sriov-vf' })).toEqual({ code: 'HOST_NO_FREE_VF', params: { host: 'host-a', vfs: 4 } })
    expect(service.hostList()[0]).toMatchObject({ usedVfs: 4, vmCount: 5 })
  })

  it('runs a VM in the host worker: serial out and in, stats, pause/resume, power-off, stop', async () => {
    const { service, events } = setup()
    const vm = service.create({ ...base })
    expect(vm).toMatchObject({ id: 'alpha-1', state: 'stopped', halt: null })
    await service.start(vm.id)
    await until(() => consoleText(service, vm.id).includes('synthetic alpha hardware-assisted'))
    const s1 = await until(() => service.vms.rt(vm.id).stats)
    expect(s1.instructions).toBeGreaterThan(0)
    expect(s1.rates.instructionsPerSec).toBeGreaterThan(0)
    expect(service.hostList()[0]).toMatchObject({ usedMemoryMiB: 64, online: true })

    await service.sendSerial(vm.id, 'hi')
    await until(() => consoleText(service, vm.id).endsWith('HI'))

    await service.pause(vm.id)
    // the last running slice's sample comes in the worker's next batch: wait until the count holds still
    let last = -1
    let since = performance.now()
    const frozen = await until(() => {
      const n = service.vms.rt(vm.id).stats?.instructions ?? 0
      if (n !== last) {
        last = n
        since = performance.now()
      }
      return performance.now() - since >= 300 ? n : null
    }, 30_000)
    await new Promise((r) => setTimeout(r, 200))
    expect(service.vms.rt(vm.id).stats?.instructions).toBe(frozen)
    await service.resume(vm.id)
    await until(() => (service.vms.rt(vm.id).stats?.instructions ?? 0) > (frozen ?? 0))

    await service.sendSerial(vm.id, 'q')
    const halted = await until(() => events.find((e) => e.event === 'vm.state' && (e.payload as { state: string }).state === 'halted'))
    expect(halted.payload).toMatchObject({ id: vm.id, halt: { kind: 'poweroff', exitCode: 0, error: null } })
    expect(events.some((e) => e.event === 'vms.tick')).toBe(true)

    const stopped = await service.stop(vm.id)
    expect(stopped.state).toBe('stopped')
    // start again after a power-off: fresh console
    await service.start(vm.id)
    await until(() => consoleText(service, vm.id).startsWith('synthetic alpha'))
    await service.remove(vm.id)
    expect(service.vms.list()).toEqual([])
    expect(events.at(-1)).toEqual({ event: 'vm.removed', payload: { id: vm.id } })
  })

  it('runs several VMs on one host fairly', async () => {
    const { service } = setup()
    const ids: string[] = []
    for (const name of ['one', 'two', 'three']) ids.push(service.create({ ...base, name }).id)
    for (const id of ids) await service.start(id)
    // instructions over a window in which all three run, read between two batches (one batch carries the samples
    // of every VM of the host, so the three counts are from the same moment): the starts and pauses are calls to
    // the worker, seconds apart on a loaded machine, so counts since boot say nothing about fairness
    const counts = (): number[] => ids.map((id) => service.vms.rt(id).stats?.instructions ?? 0)
    const c0 = await until(() => {
      const c = counts()
      return c.every((n) => n > 0) ? c : null
    }, 60_000)
    const c1 = await until(() => {
      const c = counts()
      return c.every((n, i) => n - c0[i] > 5_000_000) ? c : null
    }, 60_000)
    const deltas = c1.map((n, i) => n - c0[i])
    // equal slices per round: the window may cut a round, so allow a little spread
    expect(Math.max(...deltas) / Math.min(...deltas)).toBeLessThan(1.5)
    for (const id of ids) await service.pause(id)
  })

  it('persists VM definitions and settings atomically and reloads them after a restart', async () => {
    const first = setup()
    const dataDir = first.dataDir
    first.service.create({ ...base, name: 'keeper', vtpm: true, mode: 'trap-and-emulate' })
    first.service.settings.save({ ...first.service.settings.value, language: 'zh-CN' })
    await first.service.close()
    expect(readdirSync(dataDir).filter((f) => f.includes('.tmp-'))).toEqual([])
    const onDisk = JSON.parse(readFileSync(join(dataDir, 'vms.json'), 'utf8'))
    expect(onDisk.vms[0]).toMatchObject({ name: 'keeper', vtpm: true, mode: 'trap-and-emulate' })

    const second = setup(dataDir)
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    expect(second.service.vms.list().map((v) => [v.name, v.mode, v.vtpm])).toEqual([['keeper', 'trap-and-emulate', true]])
    expect(second.service.vms.summary('keeper-1').state).toBe('stopped')
    expect(second.service.settings.value.language).toBe('zh-CN')
    // a new VM continues the id sequence
    expect(second.service.create({ ...base, name: 'next' }).id).toBe('next-2')
  })

  it('moves a corrupt settings file aside and starts with defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-svc-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'settings.json'), '{"language": "klingon"')
    const { service } = setup(dir)
    expect(service.settings.value.language).toBe('en')
    expect(readdirSync(dir)).toContain('settings.json.corrupt-1')
  })
})
