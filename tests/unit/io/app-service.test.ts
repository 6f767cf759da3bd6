// Through the service and a real host worker: a VM created with nic=virtio boots with its NIC on the host's
// virtual switch, the user starts `run web` on its console, and the host's load client gets its requests answered;
// the same with an SR-IOV VF (host-a has an IOMMU and VFs) under trap-and-emulate.
import { describe, expect, it } from 'vitest'
import { realEngineService, until, webRequests } from '../service/helpers'

const { service } = realEngineService('wb-io-nic-')

describe('app VM with a virtio NIC, through the service', () => {
  it('serves the host load client from workload=web started on the console', async () => {
    const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())
    const vm = service.create({ name: 'web-1', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' })
    await service.start(vm.id)
    await until(() => text(vm.id).includes('wb$ '), 90_000)
    await service.sendSerial(vm.id, 'cmdline\r')
    await until(() => text(vm.id).includes('net=virtio'), 15_000)
    await service.sendSerial(vm.id, 'run web\r')
    await until(() => text(vm.id).includes('web: serving on virtio-net 52:54:00:'), 15_000)

    const report = await webRequests(service, 'host-a', vm.id, 20)
    if (!report) throw new Error('no load client report')
    expect(report.summary.sent).toBe(20)
    expect(report.summary.answered).toBe(20)
    expect(report.summary.duplicates).toBe(0)
    expect(report.summary.counterBreaks).toBe(0)
    expect(report.recent.map((r) => r.counter)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    // one request per virtual millisecond, each answered well before the next is sent
    expect(report.summary.maxLatencyNs).toBeLessThan(1_000_000)
    const conn = service.hosts.connection('host-a')
    await expect(conn.call('net.webStart', { vmId: 'nope' })).rejects.toMatchObject({ code: 'IO_NO_NIC' })
    await service.stop(vm.id)
  }, 150_000)

  it('a VM with an SR-IOV VF on host-a (IOMMU, VFs) serves its client under trap-and-emulate (VF page mapped through the shadow)', async () => {
    const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())
    const vm = service.create({ name: 'vf-1', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'trap-and-emulate', nic: 'sriov-vf', vtpm: false, hostId: 'host-a' })
    await service.start(vm.id)
    await until(() => text(vm.id).includes('wb$ '), 90_000)
    await service.sendSerial(vm.id, 'run web\r')
    await until(() => text(vm.id).includes('web: serving on sr-iov vf 52:54:00:'), 15_000)
    const report = await webRequests(service, 'host-a', vm.id, 10)
    expect(report?.summary.answered).toBe(10)
    expect(report?.summary.duplicates).toBe(0)
    await service.stop(vm.id)
  }, 150_000)
})
