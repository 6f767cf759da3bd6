// The placement planner: for every VM of a cluster (the app's own, plus what-if VMs) and every NIC choice, on
// which hosts could it run, and to which could it live-migrate from where it is, with the reasons why not. It
// asks the rules the service and the migration use (capabilities.ts checkNicChoice / hostOffer, migration/
// blockers.ts describeVm, migrationBlockers, destinationRefusals) instead of restating them. The classroom
// argument: where some hosts lack an IOMMU, VMs on SR-IOV are pinned, virtio VMs go anywhere.
import { describeVm, destinationRefusals, migrationBlockers } from '../migration/blockers'
import type { VirtMode } from '../vmm/api'
import { type HostCapabilities, type HostUsage, type NicChoice, type Refusal, NIC_CHOICES, checkNicChoice, hostOffer, needsVf } from './capabilities'

/** A teaching-lab preset: hosts and a few sample VMs (the I/O page offers these as what-if VMs). */
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

export interface PlanHost extends HostCapabilities {
  id: string
}

export interface PlanVm {
  id: string
  name: string
  hostId: string
  vcpus: number
  memoryMiB: number
  /** Its NIC today ('none' for a what-if VM or a VM without one): it holds a VF on its host if it needs one. */
  nic: NicChoice | 'none'
  mode: VirtMode
  vtpm: boolean
  /** Running or paused: its memory counts against its host's budget (as for starting and migrating). */
  live: boolean
}

export interface PlanInput {
  hosts: PlanHost[]
  vms: PlanVm[]
}

/** One host for one VM and NIC choice: why it could not run there (start it with that NIC) and why it could not
 * live-migrate there from its current host (null for the current host itself). Empty lists: it could. */
export interface HostVerdict {
  hostId: string
  run: Refusal[]
  move: Refusal[] | null
}

export type CellKind = 'anywhere' | 'some' | 'pinned' | 'unavailable'

export interface PlanCell {
  vmId: string
  nic: NicChoice
  hosts: HostVerdict[]
  /** anywhere: may move to every other host; some: to some; pinned: to none; unavailable: its host cannot give it this NIC. */
  kind: CellKind
}

export interface PlanSummary {
  nic: NicChoice
  vms: number
  anywhere: number
  some: number
  pinned: number
  unavailable: number
}

export interface Plan {
  cells: PlanCell[]
  summary: PlanSummary[]
}

/** Resources held on each host by the VMs placed there, leaving `except` out (a VM does not compete with itself). */
export function usageOf(input: PlanInput, except?: string): Map<string, HostUsage> {
  const u = new Map<string, HostUsage>()
  for (const h of input.hosts) u.set(h.id, { vfsInUse: 0, coresInUse: 0, memoryInUseMiB: 0 })
  for (const vm of input.vms) {
    const hu = u.get(vm.hostId)
    if (vm.id === except || !hu) continue
    hu.coresInUse += vm.vcpus
    if (vm.live) hu.memoryInUseMiB += vm.memoryMiB
    if (vm.nic !== 'none' && needsVf(vm.nic)) hu.vfsInUse++
  }
  return u
}

/** Why `vm` could not start on `host` with `nic`: the service's start rules (vCPUs within the host's cores,
 * memory within what the running VMs leave) and the NIC choice's (IOMMU, SR-IOV NIC, a free VF). */
function runRefusals(vm: PlanVm, nic: NicChoice, host: PlanHost, usage: HostUsage): Refusal[] {
  const out: Refusal[] = []
  const nicRefusal = checkNicChoice(host, usage, nic)
  if (nicRefusal) out.push(nicRefusal)
  if (vm.vcpus > host.cores) out.push({ code: 'VM_VCPUS_OVER_HOST', params: { host: host.name, cores: host.cores } })
  const free = host.memoryMiB - usage.memoryInUseMiB
  if (vm.memoryMiB > free) out.push({ code: 'HOST_OUT_OF_MEMORY', params: { host: host.name, requested: vm.memoryMiB, free } })
  return out
}

/** Why a live migration of `vm` with `nic` to `dest` would be refused: the migration's source-side blockers and
 * destination checks (memory, capabilities), then what the destination's build would refuse (no free VF, more
 * vCPUs than cores). */
function moveRefusals(vm: PlanVm, nic: NicChoice, dest: PlanHost, usage: HostUsage): Refusal[] {
  const descriptor = describeVm({ name: vm.name, memoryMiB: vm.memoryMiB, mode: vm.mode, nic, vtpm: vm.vtpm })
  const out: Refusal[] = [...migrationBlockers(descriptor), ...destinationRefusals(vm.hostId, descriptor, hostOffer(dest, usage.memoryInUseMiB))]
  if (!out.some((r) => r.code === 'MIGRATION_DEST_LACKS_CAPABILITY')) {
    const build = checkNicChoice(dest, usage, nic)
    if (build) out.push(build)
  }
  if (vm.vcpus > dest.cores) out.push({ code: 'VM_VCPUS_OVER_HOST', params: { host: dest.name, cores: dest.cores } })
  return out
}

/** One cell: every host's verdict for this VM with this NIC. */
export function planCell(input: PlanInput, vm: PlanVm, nic: NicChoice): PlanCell {
  const usage = usageOf(input, vm.id)
  const here = input.hosts.find((h) => h.id === vm.hostId)
  const hereRun = here ? runRefusals(vm, nic, here, usage.get(here.id) as HostUsage) : []
  const hosts = input.hosts.map((h) => {
    const u = usage.get(h.id) as HostUsage
    const run = runRefusals(vm, nic, h, u)
    if (h.id === vm.hostId) return { hostId: h.id, run, move: null }
    // a VM that cannot have this NIC where it is has nothing to migrate with it: its own host's reason
    const nicHere = hereRun.filter((r) => r.code.startsWith('IO_'))
    return { hostId: h.id, run, move: nicHere.length > 0 ? nicHere : moveRefusals(vm, nic, h, u) }
  })
  const others = hosts.filter((v) => v.move !== null)
  const ok = others.filter((v) => v.move?.length === 0).length
  const kind: CellKind = !here || hereRun.some((r) => r.code.startsWith('IO_'))
    ? 'unavailable'
    : ok === others.length && ok > 0
      ? 'anywhere'
      : ok > 0
        ? 'some'
        : 'pinned'
  return { vmId: vm.id, nic, hosts, kind }
}

/** Every VM × NIC choice, and per NIC choice how many VMs could move anywhere, somewhere, nowhere. */
export function planCluster(input: PlanInput): Plan {
  const cells = input.vms.flatMap((vm) => NIC_CHOICES.map((nic) => planCell(input, vm, nic)))
  const summary = NIC_CHOICES.map((nic) => {
    const mine = cells.filter((c) => c.nic === nic)
    const count = (k: CellKind): number => mine.filter((c) => c.kind === k).length
    return { nic, vms: mine.length, anywhere: count('anywhere'), some: count('some'), pinned: count('pinned'), unavailable: count('unavailable') }
  })
  return { cells, summary }
}

const csvField = (v: string | number): string => (typeof v === 'string' && /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v))

/** The matrix as CSV: one line per VM, NIC choice and host, with the verdicts as refusal codes (and their
 * parameters) so a spreadsheet can filter them. */
export function planCsv(input: PlanInput, plan: Plan): string {
  const name = new Map(input.hosts.map((h) => [h.id, h.name]))
  const vmOf = new Map(input.vms.map((v) => [v.id, v]))
  const reasons = (rs: Refusal[]): string => rs.map((r) => `${r.code}(${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ')})`).join('; ')
  const lines = ['vm,from,nic,cell,host,can_run,run_refusals,can_migrate,migrate_refusals']
  for (const c of plan.cells) {
    const vm = vmOf.get(c.vmId) as PlanVm
    for (const h of c.hosts) {
      const move = h.move === null ? 'current' : h.move.length === 0 ? 'yes' : 'no'
      const row = [vm.name, name.get(vm.hostId) ?? vm.hostId, c.nic, c.kind, name.get(h.hostId) ?? h.hostId, h.run.length === 0 ? 'yes' : 'no', reasons(h.run), move, reasons(h.move ?? [])]
      lines.push(row.map(csvField).join(','))
    }
  }
  return lines.join('\r\n') + '\r\n'
}

/** The classroom cluster: four hosts, two of them older machines without an IOMMU (so no SR-IOV), and six
 * sample VMs. The Hosts page loads the hosts as its 'teaching-lab' preset; the I/O page offers the VMs as what-if
 * VMs on them. */
export function teachingLabCluster(): Cluster {
  return {
    hosts: [
      { name: 'lab-a', iommu: true, sriovVfs: 4, cores: 8, memoryMiB: 16384 },
      { name: 'lab-b', iommu: true, sriovVfs: 2, cores: 8, memoryMiB: 16384 },
      { name: 'lab-c', iommu: false, sriovVfs: 0, cores: 8, memoryMiB: 16384 },
      { name: 'lab-d', iommu: false, sriovVfs: 0, cores: 4, memoryMiB: 8192 }
    ],
    vms: [
      { name: 'web-1', host: 'lab-a', vcpus: 2, memoryMiB: 512, nic: 'sriov-vf' },
      { name: 'web-2', host: 'lab-a', vcpus: 2, memoryMiB: 512, nic: 'vf-failover' },
      { name: 'db-1', host: 'lab-b', vcpus: 4, memoryMiB: 1024, nic: 'sriov-vf' },
      { name: 'db-2', host: 'lab-b', vcpus: 2, memoryMiB: 1024, nic: 'vf-failover' },
      { name: 'student-1', host: 'lab-c', vcpus: 1, memoryMiB: 256, nic: 'virtio' },
      { name: 'legacy-1', host: 'lab-d', vcpus: 1, memoryMiB: 128, nic: 'emulated' }
    ]
  }
}
