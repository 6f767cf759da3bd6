// attachNic on a real VM for each NIC choice, failover unplug, VF refusals, and virtio state save/load.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Vm } from '../../../src/main/engine/vmm/vm'
import { attachNic } from '../../../src/main/engine/devices/net/attach'
import { SriovNic } from '../../../src/main/engine/devices/net/sriov-nic'
import { Iommu } from '../../../src/main/engine/iommu/iommu'
import { EngineError } from '../../../src/main/engine/errors'
import { macForNic } from '../../../src/main/engine/network/frame'
import type { NicModel } from '../../../src/main/engine/vmm/api'
import { Reg } from '../../../src/main/engine/devices/virtio/constants'

const elf = new Uint8Array(readFileSync(join(__dirname, '../../../resources/guest/iolab/net-virtio.elf')))
const vm = (name: string, nic: NicModel) => new Vm({ name, memoryMiB: 4, mode: 'hardware-assisted', nic, vtpm: false }, elf)
const sink = { transmit: () => {} }

describe('attachNic', () => {
  it('plugs each model; a failover pair starts on the VF and falls back to virtio when it is unplugged', () => {
    expect(attachNic(vm('n', 'none'), 'none', { mac: macForNic(1), connect: () => sink })).toBeNull()
    expect(attachNic(vm('e', 'emulated'), 'emulated', { mac: macForNic(1), connect: () => sink })?.emulated).toBeDefined()
    const iommu = new Iommu()
    const sriov = new SriovNic(2, iommu)
    const pair = attachNic(vm('f', 'vf-failover'), 'vf-failover', { mac: macForNic(3), connect: () => sink, iommu, sriov })
    expect(pair?.virtio?.transport.read(Reg.DeviceId, 4)).toBe(1)
    expect(pair?.failover?.active).toBe('standby') // until the guest's VF driver enables it
    pair?.vf?.write(0, 4, 1) // CTRL.enable, a store into the directly mapped page
    expect(pair?.failover?.active).toBe('primary')
    expect(iommu.domainOf('vf0')?.name).toBe('f')
    // hot-unplug: the request moves delivery to the standby; the guest's EJECT (a trapped store to the slot) ends it
    expect(pair?.failover?.requestUnplug()).toBe(true)
    expect(pair?.failover?.active).toBe('standby')
    expect(pair?.failover?.state).toBe('wait-unplug')
    pair?.failover?.slot.write(8, 4, 1)
    expect(pair?.failover?.state).toBe('standby')
    expect(pair?.failover?.bar.read(0, 4)).toBe(0xffff_ffff) // an empty slot's page reads all ones
    expect(sriov.freeVfs).toBe(1) // parked for this VM until released
    pair?.failover?.release()
    expect(sriov.freeVfs).toBe(2)
    expect(pair?.failover?.plug()).toBe(true)
    expect(pair?.failover?.state).toBe('primary')
    expect(sriov.freeVfs).toBe(1)
  })

  it('refuses a VF when the SR-IOV NIC has none left', () => {
    const iommu = new Iommu()
    const sriov = new SriovNic(1, iommu)
    attachNic(vm('a', 'sriov-vf'), 'sriov-vf', { mac: macForNic(1), connect: () => sink, iommu, sriov })
    try {
      attachNic(vm('b', 'sriov-vf'), 'sriov-vf', { mac: macForNic(2), connect: () => sink, iommu, sriov })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError)
      expect((e as EngineError).code).toBe('IO_NO_FREE_VF')
    }
  })

  it('virtio transport and device state survive save → load into a fresh VM after the guest set them up', () => {
    const v1 = vm('s1', 'virtio')
    const a = attachNic(v1, 'virtio', { mac: macForNic(5), connect: () => sink })
    const t1 = a?.virtio?.transport
    if (!t1 || !a?.virtio) throw new Error('no virtio')
    for (let i = 0; i < 50 && (t1.status & 4) === 0; i++) v1.step(10_000)
    expect(t1.status & 4).toBe(4) // the guest driver reached DRIVER_OK
    const saved = JSON.parse(JSON.stringify({ t: t1.saveState(), d: a.virtio.device.saveState() }))
    const v2 = vm('s2', 'virtio')
    const b = attachNic(v2, 'virtio', { mac: macForNic(6), connect: () => sink })
    b?.virtio?.device.loadState(saved.d)
    b?.virtio?.transport.loadState(saved.t)
    expect(b?.virtio?.transport.saveState()).toEqual(saved.t)
    expect(b?.virtio?.device.active).toBe(true)
    expect(Array.from(b?.virtio?.device.mac ?? [])).toEqual(Array.from(macForNic(5)))
  })
})
