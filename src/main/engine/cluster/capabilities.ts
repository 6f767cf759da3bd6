// Host capabilities and the NIC choice per VM: which choices a host can honour (with a reason code when not),
// what each one costs, and what a host offers a migrating VM (whether a NIC blocks migration is the migration's
// own rule: migration/blockers.ts describeVm + migrationBlockers).
import type { NicModel } from '../vmm/api'
import type { DestinationOffer } from '../migration/blockers'

export interface HostCapabilities {
  name: string
  iommu: boolean
  /** Virtual functions the host's SR-IOV NIC offers (0: no SR-IOV NIC). */
  sriovVfs: number
  cores: number
  memoryMiB: number
}

export interface HostUsage {
  vfsInUse: number
  coresInUse: number
  memoryInUseMiB: number
}

export interface Refusal {
  code: string
  params: Record<string, string | number>
}

export type NicChoice = Exclude<NicModel, 'none'>
export const NIC_CHOICES: readonly NicChoice[] = ['emulated', 'virtio', 'sriov-vf', 'vf-failover']

export function needsVf(nic: NicModel): boolean {
  return nic === 'sriov-vf' || nic === 'vf-failover'
}

/** Can `host` give a VM this NIC? null = yes. */
export function checkNicChoice(host: HostCapabilities, usage: HostUsage, nic: NicModel): Refusal | null {
  if (!needsVf(nic)) return null
  if (!host.iommu) return { code: 'IO_NO_IOMMU', params: { host: host.name, nic } }
  if (host.sriovVfs === 0) return { code: 'IO_NO_SRIOV_NIC', params: { host: host.name, nic } }
  if (usage.vfsInUse >= host.sriovVfs) return { code: 'IO_NO_FREE_VF', params: { host: host.name, nic, total: host.sriovVfs } }
  return null
}

/** What a host offers a VM arriving by live migration (migration/blockers.ts DestinationOffer): its free memory
 * (budget minus the VMs running or paused there) and capabilities. The service's migration preflight and the
 * planner both ask this, so they agree. A VF is offered when the host has an IOMMU and an SR-IOV NIC; whether one
 * is free is the destination's build check (checkNicChoice). */
export function hostOffer(host: { id: string; iommu: boolean; sriovVfs: number; memoryMiB: number }, usedMemoryMiB: number): DestinationOffer {
  const capabilities = ['mode:trap-and-emulate', 'mode:hardware-assisted', 'vtpm', 'nic:emulated', 'nic:virtio']
  if (host.iommu && host.sriovVfs > 0) capabilities.push('nic:sriov-vf')
  return { hostId: host.id, freeMemoryBytes: (host.memoryMiB - usedMemoryMiB) * 1024 * 1024, capabilities }
}

export interface NicCostExplanation {
  nic: NicChoice
  /** Message key for the UI (the app translates): what the guest's I/O costs on this path. */
  key: string
  exitsPerPacket: 'many' | 'batched' | 'none'
  interrupts: 'injected' | 'injected-suppressible' | 'posted'
  migratable: 'yes' | 'no' | 'after-unplug'
  needs: ('iommu' | 'sriov-vf')[]
}

export function explainNic(nic: NicChoice): NicCostExplanation {
  switch (nic) {
    case 'emulated':
      return { nic, key: 'io.nic.emulated', exitsPerPacket: 'many', interrupts: 'injected', migratable: 'yes', needs: [] }
    case 'virtio':
      return { nic, key: 'io.nic.virtio', exitsPerPacket: 'batched', interrupts: 'injected-suppressible', migratable: 'yes', needs: [] }
    case 'sriov-vf':
      return { nic, key: 'io.nic.sriov', exitsPerPacket: 'none', interrupts: 'posted', migratable: 'no', needs: ['iommu', 'sriov-vf'] }
    case 'vf-failover':
      return { nic, key: 'io.nic.failover', exitsPerPacket: 'none', interrupts: 'posted', migratable: 'after-unplug', needs: ['iommu', 'sriov-vf'] }
  }
}
