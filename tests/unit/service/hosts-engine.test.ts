// A host added by the user is a real host: its own worker thread boots the shipped guest kernel on the VMM, and
// removing the host (once its VM is gone) ends that thread while the other hosts' workers go on.
import type { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import type { HostConnection } from '../../../src/main/service/host-connection'
import { handlers } from '../../../src/main/service/handlers'
import { realEngineService, until } from './helpers'

const { service } = realEngineService('wb-hosts-eng-')
const threadOf = (c: HostConnection): Worker => (c as unknown as { worker: Worker }).worker

describe('an added host runs the guest kernel', () => {
  it('boots kernel.elf on a new host without IOMMU, then removes the host and its worker', async () => {
    const added = await handlers['hosts.create']({ name: 'bench-2', cores: 2, memoryMiB: 256, iommu: false, sriovVfs: 0 }, service)
    expect(added).toMatchObject({ id: 'bench-2', worker: 'idle' })
    const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())
    const vm = service.create({ name: 'on-bench', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'bench-2' })
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
    await service.remove(vm.id)
    await handlers['hosts.delete']({ id: 'bench-2' }, service)
    expect(thread.threadId).toBe(-1)
    expect(service.hosts.existing('bench-2')).toBeNull()
    // host-a's worker still runs its guest
    const before = service.vms.rt(other.id).stats?.instructions ?? 0
    await until(() => (service.vms.rt(other.id).stats?.instructions ?? 0) > before, 10_000)
    expect(service.hosts.existing('host-a')).toBe(connA)
    await service.stop(other.id)
  }, 150_000)
})
