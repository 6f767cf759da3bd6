// Host capabilities and the NIC choice per VM: which choices a host can honour (with a reason code when not),
// what each one costs, and whether a VM with that NIC can be live-migrated (the migration engineer calls
// `migrationBlocker`; the failover plan says what to unplug first).
import type { NicModel } from '../vmm/api'

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

/** Why live migration must refuse a VM with this NIC, or null if it may go (a failover pair unplugs its VF
 * first: see failoverPlan). */
export function migrationBlocker(vmName: string, nic: NicModel): Refusal | null {
  if (nic === 'sriov-vf') return { code: 'IO_VF_PINNED', params: { vm: vmName } }
  return null
}

export type FailoverStep = 'unplug-vf' | 'traffic-on-virtio-standby' | 'migrate' | 'replug-vf' | 'stay-on-virtio'

/** The steps a migration of a VM with this NIC goes through (net_failover: the VF is the primary, the virtio
 * NIC with the same MAC the standby; the VF is hot-unplugged before the move and re-plugged at the destination
 * if it has a free VF behind an IOMMU). */
export function failoverPlan(nic: NicModel, destination: HostCapabilities, destUsage: HostUsage): FailoverStep[] {
  if (nic !== 'vf-failover') return ['migrate']
  const replug = checkNicChoice(destination, destUsage, 'sriov-vf') === null
  return ['unplug-vf', 'traffic-on-virtio-standby', 'migrate', replug ? 'replug-vf' : 'stay-on-virtio']
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
