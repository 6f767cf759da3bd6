// Two NIC VMs on one host's runtime (the host worker's scheduler, without the thread): a virtio VM under
// trap-and-emulate and a VF VM hardware-assisted share the host's switch and clock; each gets its own load
// client's requests answered exactly once while the scheduler interleaves them, and stopping a VM hands its VF back.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HostRuntime } from '../../../src/main/engine/host/runtime'
import { createGuestVm } from '../../../src/main/engine/host/vm-factory'
import type { NicModel, VirtMode } from '../../../src/main/engine/vmm/api'

const ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')

describe.skipIf(!existsSync(ELF))('NIC VMs sharing a host', () => {
  it('both serve their clients, interleaved by the scheduler; a stopped VM returns its VF', () => {
    let t = 0
    const rt = new HostRuntime({ factory: createGuestVm, now: () => t }) // a fake clock: equal slices, deterministic
    rt.network.configure({ name: 'host-a', iommu: true, sriovVfs: 2 })
    const elf = new Uint8Array(readFileSync(ELF))
    const vms: { id: string; mode: VirtMode; nic: NicModel }[] = [
      { id: 'a', mode: 'trap-and-emulate', nic: 'virtio' },
      { id: 'b', mode: 'hardware-assisted', nic: 'sriov-vf' }
    ]
    for (const v of vms) rt.boot(v.id, { name: `web-${v.id}`, memoryMiB: 16, mode: v.mode, nic: v.nic, vtpm: false, cmdline: 'selftest=0 workload=web' }, elf)
    expect(rt.network.freeVfs).toBe(1)
    const serial: Record<string, string> = { a: '', b: '' }
    const pump = (): void => {
      rt.runRound()
      t += 1
      for (const s of rt.collectBatch()?.serial ?? []) serial[s.vmId] += new TextDecoder().decode(s.bytes)
    }
    for (let i = 0; i < 5000 && !(serial.a.includes('web: serving') && serial.b.includes('web: serving')); i++) pump()
    expect(serial.a).toContain('web: serving on virtio-net')
    expect(serial.b).toContain('web: serving on sr-iov vf')
    for (const v of vms) rt.network.startWebClient(v.id, { intervalNs: 1_000_000, count: 20 })
    const answered = (id: string): number => rt.network.webReport(id)?.summary.answered ?? 0
    for (let i = 0; i < 20_000 && (answered('a') < 20 || answered('b') < 20); i++) pump()
    for (const v of vms) {
      const r = rt.network.webReport(v.id)
      expect(r?.summary.sent).toBe(20)
      expect(r?.summary.answered).toBe(20)
      expect(r?.summary.duplicates).toBe(0)
      // (a client may also hear the other client's first requests: the switch floods them until it has learned
      // the other VM's MAC; the servers ignore frames for other stations, so nothing is answered twice)
      expect(r?.recent.map((x) => x.counter)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    }
    rt.stop('b')
    expect(rt.network.freeVfs).toBe(2)
    expect(rt.network.macOf('b')).toBeNull()
  }, 120_000)
})
