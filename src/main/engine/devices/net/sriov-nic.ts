// The host's SR-IOV NIC (the physical function): a fixed number of virtual functions handed out to VMs. A VF can
// only be given to a VM on a host with an IOMMU (without one, the device's DMA could reach any host memory).
import type { Iommu } from '../../iommu/iommu'
import type { Refusal } from '../../cluster/capabilities'
import type { FrameTx, Mac } from '../../network/frame'
import { type PostedInterruptSink, SriovVf } from './sriov-vf'

export interface VfAssignment {
  vf: SriovVf
  vm: string
}

export class SriovNic {
  private readonly owners: (string | null)[]

  constructor(
    readonly totalVfs: number,
    private readonly iommu: Iommu | null
  ) {
    this.owners = new Array<string | null>(totalVfs).fill(null)
  }

  get freeVfs(): number {
    return this.owners.filter((o) => o === null).length
  }

  /** Give VM `vm` a VF whose DMA goes through the VM's IOMMU domain `domain`. */
  allocate(vm: string, domain: string, mac: Mac, tx: FrameTx, irq: PostedInterruptSink): VfAssignment | Refusal {
    if (!this.iommu) return { code: 'IO_NO_IOMMU', params: { vm } }
    const d = this.iommu.domain(domain)
    if (!d) return { code: 'IO_NO_IOMMU_DOMAIN', params: { vm, domain } }
    const index = this.owners.indexOf(null)
    if (index < 0) return { code: 'IO_NO_FREE_VF', params: { vm, total: this.totalVfs } }
    this.owners[index] = vm
    const requester = `vf${index}`
    this.iommu.attach(requester, d)
    return { vm, vf: new SriovVf(index, mac, this.iommu.dmaFor(requester), tx, irq) }
  }

  /** Take the VF back (hot-unplug): reset it and detach it from the VM's IOMMU domain. */
  release(vf: SriovVf): void {
    vf.reset()
    this.iommu?.detach(vf.name)
    this.owners[vf.index] = null
  }

  ownerOf(index: number): string | null {
    return this.owners[index] ?? null
  }
}

export function isRefusal(x: VfAssignment | Refusal): x is Refusal {
  return (x as Refusal).code !== undefined
}
