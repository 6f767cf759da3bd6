// A host added by the user is a real host: its own worker thread boots the shipped guest kernel on the VMM; a new
// IOMMU and VFs reach the next worker (a VF VM boots); removing the host (once its VMs are gone) ends that thread
// while the other hosts' workers go on.
import type { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import type { HostConnection } from '../../../src/main/service/host-connection'
import { handlers } from '../../../src/main/service/handlers'
import { realEngineService, until } from './helpers'

const { service } = realEngineService('wb-hosts-eng-')
const threadOf = (c: HostConnection): Worker => (c as unknown as { worker: Worker }).worker

describe('an added host runs the guest kernel', () => {
  it('boots kernel.elf on a new host without IOMMU, gives it VFs, then removes the host and its worker', async () => {
    const added = await handlers['hosts.create']({ name: 'bench-2', cores: 2, memoryMiB: 256, iommu: false, sriovVfs: 0 }, service)
    expect(added).toMatchObject({ id: 'bench-2', worker: 'idle' })
    const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())
    const vm = service.create({ name: 'on-bench', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'bench-2', boot: { kind: 'selftest' } })
    await service.start(vm.id)
    // another host keeps its own thread: a VM on host-a runs beside it
    const other = service.create({ name: 'on-a', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: false, hostId: 'host-a' })
    await service.start(other.id)
    await until(() => text(vm.id).includes('wb$ '), 90_000)
    expect(text(vm.id)).toContain('VMM Workbench teaching kernel')
    const stats = await until(() => service.vms.rt(vm.id).stats, 10_000)
    expect(stats.instructions).toBeGreaterThan(1_000_000)
    const conn = service.hosts.existing('bench-2')
    const connA = service.hosts.existing('host-a')
    if (!conn || !connA) throw new Error('workers not running')
    const thread = threadOf(conn)
    expect(thread.threadId).not.toBe(threadOf(connA).threadId)
    expect(service.hostList().find((h) => h.id === 'bench-2')).toMatchObject({ worker: 'running', usedMemoryMiB: 32, vmCount: 1 })

    await expect(handlers['hosts.delete']({ id: 'bench-2' }, service)).rejects.toMatchObject({ code: 'HOST_HAS_VMS', params: { host: 'bench-2', count: 1 } })

    // giving the host an IOMMU and VFs: refused while its VM runs; once stopped, the next worker has them and a VF
    // VM boots (the worker that set up the old network would refuse the VF: IO_NO_IOMMU)
    const withVfs = { id: 'bench-2', name: 'bench-2', cores: 2, memoryMiB: 256, iommu: true, sriovVfs: 2 }
    await expect(handlers['hosts.update'](withVfs, service)).rejects.toMatchObject({ code: 'HOST_CAPS_IN_USE', params: { host: 'bench-2', count: 1 } })
    await service.stop(vm.id)
    await handlers['hosts.update'](withVfs, service)
    expect(thread.threadId).toBe(-1)
    const vf = service.create({ name: 'with-vf', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'sriov-vf', vtpm: false, hostId: 'bench-2' })
    await service.start(vf.id)
    await until(() => text(vf.id).includes('wb$ '), 90_000)
    expect(service.hostList().find((h) => h.id === 'bench-2')).toMatchObject({ worker: 'running', usedVfs: 1 })
    const second = service.hosts.existing('bench-2')
    if (!second) throw new Error('no worker for bench-2')
    const thread2 = threadOf(second)
    expect(thread2.threadId).toBeGreaterThan(0)

    await service.remove(vm.id)
    await service.remove(vf.id)
    await handlers['hosts.delete']({ id: 'bench-2' }, service)
    expect(thread2.threadId).toBe(-1)
    expect(service.hosts.existing('bench-2')).toBeNull()
    // host-a's worker still runs its guest: its shell answers (the line is echoed, then printed)
    await until(() => text(other.id).includes('wb$ '), 90_000)
    await service.sendSerial(other.id, 'echo still-here\r')
    await until(() => text(other.id).split('still-here').length >= 3, 15_000)
    expect(service.hosts.existing('host-a')).toBe(connA)
    await service.stop(other.id)
  }, 150_000)
})
