// The IOMMU against guest code: the VF driver (net-vf.elf) in a hardware-assisted VM programs DMA to its own
// rings and buffers; with the VM's domain narrowed so those pages are not mapped, the VF's first DMA is blocked
// and logged, nothing leaves the host, and the rest of the system carries on.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Vm } from '../../../src/main/engine/vmm/vm'
import { attachNic } from '../../../src/main/engine/devices/net/attach'
import { Iommu } from '../../../src/main/engine/iommu/iommu'
import { SriovNic } from '../../../src/main/engine/devices/net/sriov-nic'
import { macForNic } from '../../../src/main/engine/network/frame'
import { LAB_BASE, LAB_REG_SIZE, LabRegisters } from '../../../src/main/engine/labs/io/lab-device'

const RAM_BASE = 0x8000_0000
const elf = new Uint8Array(readFileSync(join(__dirname, '../../../resources/guest/iolab/net-vf.elf')))

function run(narrow: boolean) {
  const vm = new Vm({ name: 'tenant', memoryMiB: 4, mode: 'hardware-assisted', nic: 'sriov-vf', vtpm: false }, elf)
  const iommu = new Iommu()
  const sent: Uint8Array[] = []
  const nic = attachNic(vm, 'sriov-vf', { mac: macForNic(1), connect: () => ({ transmit: (f) => sent.push(f) }), iommu, sriov: new SriovNic(1, iommu) })
  vm.attachDevice('iolab-regs', LAB_BASE, LAB_REG_SIZE, new LabRegisters({ onStart: () => {}, onEnd: () => {} })) // phase markers
  // leave only the first page mapped: the driver's rings and buffers (in .bss, above it) are outside the domain
  if (narrow) iommu.domain('tenant')?.unmap(RAM_BASE + 0x1000, vm.ram.length - 0x1000)
  for (let i = 0; i < 200 && vm.halt === null && sent.length < 16; i++) vm.step(20_000)
  return { vm, iommu, sent, vf: nic?.vf }
}

describe('IOMMU with a guest VF driver', () => {
  it('with the full domain the guest transmits through the VF', () => {
    const r = run(false)
    expect(r.sent.length).toBeGreaterThanOrEqual(16)
    expect(r.iommu.faultCount).toBe(0)
  })

  it('a DMA outside the domain is blocked and logged; no frame leaves; the VM is not harmed', () => {
    const r = run(true)
    expect(r.sent).toHaveLength(0)
    expect(r.iommu.faultCount).toBe(1) // the VF stops at its first fault
    const f = r.iommu.faults[0]
    expect(f).toMatchObject({ domain: 'tenant', device: 'vf0', write: false, reason: 'not-mapped' })
    expect(f.iova).toBeGreaterThanOrEqual(RAM_BASE + 0x1000)
    expect(r.vf?.stats.dmaErrors).toBe(1)
    expect(r.vf?.enabled).toBe(false)
    expect(r.vm.halt).toBeNull() // the guest keeps running (waiting for completions that never come)
  })
})
