// Plugging a NIC model into a VM: one call per VmConfig.nic choice, so the VMM/host worker and the labs wire
// devices the same way. Addresses: virtio-net in virtio-mmio slot 0 (irq 1), the emulated NIC, the VF's
// register page and a failover pair's hot-plug slot (irq 12) in holes of the virt map.
import { RAM_BASE } from '../../machine/board'
import { RamDma, type MmioDevice } from '../virtio/dma'
import { VirtioMmioTransport } from '../virtio/mmio'
import { virtioSlot } from '../virtio/constants'
import { VirtioNet } from './virtio-net'
import { EMU_NIC_SIZE, EmulatedNic } from './emulated-nic'
import { VF_PAGE_SIZE, type PostedInterruptSink, type SriovVf } from './sriov-vf'
import { SriovNic, isRefusal } from './sriov-nic'
import { FailoverNic, SLOT_BASE, SLOT_IRQ, SLOT_SIZE } from './failover'
import { Iommu } from '../../iommu/iommu'
import { SwitchPort } from '../../network/switch'
import { DEFAULT_NET_COSTS } from '../../network/costs'
import type { FrameRx, FrameTx, Mac } from '../../network/frame'
import type { NicModel } from '../../vmm/api'
import { EngineError } from '../../errors'

export const EMU_NIC_BASE = 0x1030_0000
export const EMU_NIC_IRQ = 11
export const VF_BAR_BASE = 0x1031_0000

/** What a VM offers for plugging devices in (vmm/vm.ts Vm implements it). */
export interface NicHost {
  readonly ram: Uint8Array
  readonly config: { name: string }
  readonly plic: { setLevel(irq: number, level: boolean): void }
  attachDevice(name: string, base: number, size: number, dev: MmioDevice): void
  mapDirect(name: string, base: number, size: number, dev: MmioDevice): void
  /** Guest RAM changed behind the vCPU's back (DMA): see Vm.ramWritten. */
  ramWritten?(offset: number, length: number): void
  /** The VM's interrupt file for posted interrupts (Vm.postedInterrupts); without one, VF interrupts go only to
   * onPostedInterrupt. */
  readonly posted?: PostedInterruptSink
}

export interface NicAttachment {
  model: NicModel
  /** Where the network delivers this VM's frames. */
  rx: FrameRx
  virtio?: { transport: VirtioMmioTransport; device: VirtioNet }
  emulated?: EmulatedNic
  vf?: SriovVf
  failover?: FailoverNic
  iommu?: Iommu
}

export interface AttachOptions {
  mac: Mac
  /** The switch port (or any FrameTx) the NIC sends on; `connect` gets the rx side once it exists. */
  connect: (rx: FrameRx) => FrameTx
  /** The host's SR-IOV NIC and IOMMU, for 'sriov-vf' and 'vf-failover'. */
  sriov?: SriovNic
  iommu?: Iommu
  /** Wrap each trapping device (e.g. to deliver due network events before the device model runs). */
  wrap?: (dev: MmioDevice) => MmioDevice
  onPostedInterrupt?: (source: string) => void
}

/** Plug the NIC `model` into `vm`; 'none' returns null. Refusals of the SR-IOV NIC become EngineErrors. */
export function attachNic(vm: NicHost, model: NicModel, opts: AttachOptions): NicAttachment | null {
  const wrap = opts.wrap ?? ((d: MmioDevice) => d)
  const ramWritten = (offset: number, length: number): void => vm.ramWritten?.(offset, length)
  const mem = new RamDma(vm.ram, RAM_BASE, ramWritten)
  let tx: FrameTx = { transmit: () => {} }
  const late: FrameTx = { transmit: (f) => tx.transmit(f) }

  const virtio = (): { transport: VirtioMmioTransport; device: VirtioNet } => {
    const device = new VirtioNet(opts.mac, late)
    const slot = virtioSlot(0)
    const transport = new VirtioMmioTransport('virtio0', device, mem, { set: (l) => vm.plic.setLevel(slot.irq, l) })
    vm.attachDevice('virtio0', slot.base, transport.size, wrap(transport))
    return { transport, device }
  }
  const irq: PostedInterruptSink = {
    post: (s) => {
      opts.onPostedInterrupt?.(s)
      vm.posted?.post(s)
    },
    clear: (s) => vm.posted?.clear?.(s)
  }
  const domainOf = (): { sriov: SriovNic; iommu: Iommu } => {
    const iommu = opts.iommu ?? new Iommu()
    const sriov = opts.sriov ?? new SriovNic(1, iommu)
    const domain = iommu.domain(vm.config.name) ?? iommu.createDomain(vm.config.name, vm.ram)
    domain.onWrite = ramWritten
    domain.map(RAM_BASE, 0, vm.ram.length) // VFIO style: IOVA = guest-physical
    return { sriov, iommu }
  }
  const vf = (): { vf: SriovVf; iommu: Iommu } => {
    const { sriov, iommu } = domainOf()
    const a = sriov.allocate(vm.config.name, vm.config.name, opts.mac, late, irq)
    if (isRefusal(a)) throw new EngineError(a.code, `cannot give ${vm.config.name} a VF: ${a.code}`, a.params)
    vm.mapDirect(a.vf.name, VF_BAR_BASE, VF_PAGE_SIZE, a.vf)
    return { vf: a.vf, iommu }
  }
  // a failover pair's VF sends through the NIC's embedded bridge (no software switch cost), its standby through
  // the host's switch: the port's cost is the VF's for the frames the VF sends
  const vfLate: FrameTx = {
    transmit: (f) => {
      const port = tx
      if (!(port instanceof SwitchPort) || port.perFrameCycles !== null) return port.transmit(f)
      port.perFrameCycles = DEFAULT_NET_COSTS.vfSwitchPerFrame
      try {
        port.transmit(f)
      } finally {
        port.perFrameCycles = null
      }
    }
  }

  switch (model) {
    case 'none':
      return null
    case 'virtio': {
      const v = virtio()
      tx = opts.connect(v.device)
      return { model, rx: v.device, virtio: v }
    }
    case 'emulated': {
      const nic = new EmulatedNic('nic0', opts.mac, mem, late, { set: (l) => vm.plic.setLevel(EMU_NIC_IRQ, l) })
      vm.attachDevice('nic0', EMU_NIC_BASE, EMU_NIC_SIZE, wrap(nic))
      tx = opts.connect(nic)
      return { model, rx: nic, emulated: nic }
    }
    case 'sriov-vf': {
      const a = vf()
      const rx: FrameRx = { receive: (f) => a.vf.receive(f) }
      tx = opts.connect(rx)
      return { model, rx, vf: a.vf, iommu: a.iommu }
    }
    case 'vf-failover': {
      const v = virtio()
      const { sriov, iommu } = domainOf()
      const source = {
        take: (): SriovVf | null => {
          const a = sriov.allocate(vm.config.name, vm.config.name, opts.mac, vfLate, irq)
          return isRefusal(a) ? null : a.vf
        },
        give: (f: SriovVf): void => sriov.release(f)
      }
      // without a free VF the pair starts on its standby (a VF is plugged when one is given: plug())
      const pair = new FailoverNic(v.device, source.take(), source, (l) => vm.plic.setLevel(SLOT_IRQ, l))
      vm.mapDirect('vf-bar', VF_BAR_BASE, VF_PAGE_SIZE, pair.bar)
      vm.attachDevice('failover-slot', SLOT_BASE, SLOT_SIZE, wrap(pair.slot))
      tx = opts.connect(pair)
      return {
        model,
        rx: pair,
        virtio: v,
        get vf() {
          return pair.vf ?? undefined
        },
        failover: pair,
        iommu
      }
    }
  }
}
