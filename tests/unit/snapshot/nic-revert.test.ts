// A VM with a virtio NIC serving the web workload: snapshot it, stop it, revert the stopped VM (built afresh on
// its host) and resume. The rebuilt VM must have its NIC plugged into the host's switch again, with the virtio
// queues as they were at the snapshot: the host load client's requests are answered, each exactly once.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { snapshotHandlers as h } from '../../../src/main/service/handlers/snapshots'
import { GUEST_DIR, realEngineService, until, webRequests } from '../service/helpers'

const { service } = realEngineService('wb-snap-nic-')

const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())

describe.runIf(existsSync(join(GUEST_DIR, 'kernel.elf')))('snapshot of a VM with a virtio NIC', () => {
  it('a cold revert plugs the NIC back in and the web workload keeps answering', async () => {
    const vm = service.create({ name: 'web', memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' })
    await service.start(vm.id)
    await until(() => text(vm.id).includes('wb$ '), 90_000)
    await service.sendSerial(vm.id, 'run web\r')
    await until(() => text(vm.id).includes('web: serving on virtio-net'), 15_000)
    await service.pause(vm.id)
    await h['snapshots.take']({ vmId: vm.id, description: 'serving', live: false }, service)
    await service.stop(vm.id)

    const cold = await h['snapshots.revert']({ vmId: vm.id, snapshotId: 'snap-0001' }, service)
    expect(cold.vm.state).toBe('paused')
    await service.resume(vm.id)

    const stopped = await webRequests(service, 'host-a', vm.id, 10)
    expect(stopped?.summary.sent).toBe(10)
    expect(stopped?.summary.answered).toBe(10)
    expect(stopped?.summary.duplicates).toBe(0)
    // the guest's counter continues from where the snapshot left it: it had answered nothing yet
    expect(stopped?.recent.map((r) => r.counter)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    expect(text(vm.id)).not.toContain('VMM Workbench teaching kernel') // resumed, not rebooted
    await service.stop(vm.id)
  }, 180_000)
})
