// The placement planner and the "teaching lab" preset: for every VM and every NIC choice, where could the VM
// run and where could it live-migrate to? The classroom argument: in a lab where some hosts lack an IOMMU, VMs
// on SR-IOV are stuck, virtio VMs can go anywhere, and VF + virtio failover keeps the speed where possible.
import {
  type HostCapabilities,
  type HostUsage,
  type NicChoice,
  type Refusal,
  NIC_CHOICES,
  checkNicChoice,
  failoverPlan,
  migrationBlocker,
  needsVf
} from './capabilities'

export interface ClusterVm {
  name: string
  host: string
  vcpus: number
  memoryMiB: number
  nic: NicChoice
}

export interface Cluster {
  hosts: HostCapabilities[]
  vms: ClusterVm[]
}

export interface MoveOption {
  to: string
  ok: boolean
  /** Why not (first reason), when ok is false. */
  refusal?: Refusal
  /** For a failover pair: whether the VF comes back at the destination. */
  degraded?: boolean
}

export interface PlanRow {
  vm: string
  from: string
  nic: NicChoice
  /** Can the VM use this NIC on its current host at all? */
  allowedHere: Refusal | null
  moves: MoveOption[]
  /** Hosts it could move to (ok moves). */
  reachable: number
}

/** Resources in use on each host, from the VMs placed there (optionally pretending one VM uses `nicOverride`). */
export function usageOf(cluster: Cluster, except?: string): Map<string, HostUsage> {
  const u = new Map<string, HostUsage>()
  for (const h of cluster.hosts) u.set(h.name, { vfsInUse: 0, coresInUse: 0, memoryInUseMiB: 0 })
  for (const vm of cluster.vms) {
    if (vm.name === except) continue
    const hu = u.get(vm.host)
    if (!hu) continue
    hu.coresInUse += vm.vcpus
    hu.memoryInUseMiB += vm.memoryMiB
    if (needsVf(vm.nic)) hu.vfsInUse++
  }
  return u
}

/** Could `vm` with `nic` be live-migrated to `dest`? */
export function checkMove(cluster: Cluster, vm: ClusterVm, nic: NicChoice, dest: HostCapabilities): MoveOption {
  if (dest.name === vm.host) return { to: dest.name, ok: false, refusal: { code: 'IO_SAME_HOST', params: { host: dest.name } } }
  const blocked = migrationBlocker(vm.name, nic)
  if (blocked) return { to: dest.name, ok: false, refusal: blocked }
  const usage = usageOf(cluster, vm.name).get(dest.name) as HostUsage
  if (usage.coresInUse + vm.vcpus > dest.cores) {
    return { to: dest.name, ok: false, refusal: { code: 'IO_HOST_NO_CORES', params: { host: dest.name, free: dest.cores - usage.coresInUse } } }
  }
  if (usage.memoryInUseMiB + vm.memoryMiB > dest.memoryMiB) {
    return {
      to: dest.name,
      ok: false,
      refusal: { code: 'IO_HOST_NO_MEMORY', params: { host: dest.name, freeMiB: dest.memoryMiB - usage.memoryInUseMiB } }
    }
  }
  if (nic === 'vf-failover') {
    const plan = failoverPlan(nic, dest, usage)
    return { to: dest.name, ok: true, degraded: plan.includes('stay-on-virtio') }
  }
  return { to: dest.name, ok: true }
}

/** One row per VM and NIC choice. */
export function plan(cluster: Cluster): PlanRow[] {
  const rows: PlanRow[] = []
  for (const vm of cluster.vms) {
    const here = cluster.hosts.find((h) => h.name === vm.host)
    if (!here) continue
    for (const nic of NIC_CHOICES) {
      const usage = usageOf(cluster, vm.name).get(here.name) as HostUsage
      const allowedHere = checkNicChoice(here, usage, nic)
      const moves = allowedHere ? [] : cluster.hosts.filter((h) => h !== here).map((h) => checkMove(cluster, vm, nic, h))
      rows.push({ vm: vm.name, from: vm.host, nic, allowedHere, moves, reachable: moves.filter((m) => m.ok).length })
    }
  }
  return rows
}

/** The classroom cluster: four hosts, two of them older machines without an IOMMU (so no SR-IOV), one SR-IOV
 * host nearly full. */
export function teachingLabCluster(): Cluster {
  return {
    hosts: [
      { name: 'lab-a', iommu: true, sriovVfs: 4, cores: 8, memoryMiB: 16384 },
      { name: 'lab-b', iommu: true, sriovVfs: 2, cores: 8, memoryMiB: 16384 },
      { name: 'lab-c', iommu: false, sriovVfs: 0, cores: 8, memoryMiB: 16384 },
      { name: 'lab-d', iommu: false, sriovVfs: 0, cores: 4, memoryMiB: 8192 }
    ],
    vms: [
      { name: 'web-1', host: 'lab-a', vcpus: 2, memoryMiB: 2048, nic: 'sriov-vf' },
      { name: 'web-2', host: 'lab-a', vcpus: 2, memoryMiB: 2048, nic: 'vf-failover' },
      { name: 'db-1', host: 'lab-b', vcpus: 4, memoryMiB: 8192, nic: 'sriov-vf' },
      { name: 'db-2', host: 'lab-b', vcpus: 2, memoryMiB: 4096, nic: 'vf-failover' },
      { name: 'student-1', host: 'lab-c', vcpus: 1, memoryMiB: 1024, nic: 'virtio' },
      { name: 'legacy-1', host: 'lab-d', vcpus: 1, memoryMiB: 512, nic: 'emulated' }
    ]
  }
}
