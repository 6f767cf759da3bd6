// Why a migration may not start. Source-side blockers (QEMU's migrate_add_blocker: e.g. a passthrough device)
// come from a rule table other areas extend with registerMigrationBlocker; destination-side checks (memory,
// capabilities, same host) run when the destination receives the hello.
import type { VmConfig } from '../vmm/api'

/** What the migration needs to know about a VM to decide whether it may move. Plain data. */
export interface VmDescriptor {
  name: string
  memoryBytes: number
  /** Capabilities the destination host must offer (e.g. 'mode:hardware-assisted', 'vtpm', 'nic:virtio'). */
  requires: string[]
  /** Devices with their kind; `passthrough` devices are owned by the source host's hardware. */
  devices: { id: string; kind: string; passthrough: boolean }[]
}

/** A refusal reason: an error code with parameters (translated by the app). */
export interface RefusalReason {
  code: string
  params: Record<string, string | number>
}

/** A source-side rule: returns the reasons this VM cannot migrate (empty when it can). */
export type MigrationBlockerRule = (vm: VmDescriptor) => RefusalReason[]

const rules: MigrationBlockerRule[] = [
  // A device passed through to the guest (an SR-IOV VF) is host hardware: its state cannot be moved.
  (vm) =>
    vm.devices
      .filter((d) => d.passthrough)
      .map((d) => ({ code: 'MIGRATION_BLOCKED_PASSTHROUGH', params: { device: d.id, kind: d.kind } }))
]

/** Add a rule (the I/O area registers its device rules here). Returns a function that removes it again. */
export function registerMigrationBlocker(rule: MigrationBlockerRule): () => void {
  rules.push(rule)
  return () => {
    const i = rules.indexOf(rule)
    if (i >= 0) rules.splice(i, 1)
  }
}

/** QEMU's `blocked-reasons`: everything that stops this VM from migrating at all. */
export function migrationBlockers(vm: VmDescriptor): RefusalReason[] {
  return rules.flatMap((rule) => rule(vm))
}

/** The descriptor of a VM built from a VmConfig. A plain SR-IOV VF is passthrough; 'vf-failover' pairs the VF
 * with a virtio-net standby (QEMU's virtio-net failover), which is unplugged before migration, so it does not
 * block. */
export function describeVm(config: VmConfig): VmDescriptor {
  const requires = [`mode:${config.mode}`]
  if (config.vtpm) requires.push('vtpm')
  if (config.nic !== 'none') requires.push(`nic:${config.nic === 'vf-failover' ? 'virtio' : config.nic}`)
  // the failover pair is rebuilt at the destination, VF included (host-network.ts plugs both halves)
  if (config.nic === 'vf-failover') requires.push('nic:sriov-vf')
  const devices: VmDescriptor['devices'] = []
  if (config.nic !== 'none') devices.push({ id: 'nic0', kind: config.nic, passthrough: config.nic === 'sriov-vf' })
  return { name: config.name, memoryBytes: config.memoryMiB * 1024 * 1024, requires, devices }
}

/** What a destination host offers. */
export interface DestinationOffer {
  hostId: string
  freeMemoryBytes: number
  capabilities: readonly string[]
}

/** Destination-side checks, in the order a user should fix them. */
export function destinationRefusals(sourceHost: string, vm: VmDescriptor, dest: DestinationOffer): RefusalReason[] {
  const out: RefusalReason[] = []
  if (sourceHost === dest.hostId) out.push({ code: 'MIGRATION_SAME_HOST', params: { host: dest.hostId } })
  if (vm.memoryBytes > dest.freeMemoryBytes) {
    out.push({
      code: 'MIGRATION_DEST_NO_MEMORY',
      params: { host: dest.hostId, needed: vm.memoryBytes, available: dest.freeMemoryBytes }
    })
  }
  for (const cap of vm.requires) {
    if (!dest.capabilities.includes(cap)) {
      out.push({ code: 'MIGRATION_DEST_LACKS_CAPABILITY', params: { host: dest.hostId, capability: cap } })
    }
  }
  return out
}

/** Everything that refuses this migration, source and destination side (for a preflight in the UI). */
export function preflightMigration(sourceHost: string, vm: VmDescriptor, dest: DestinationOffer): RefusalReason[] {
  return [...migrationBlockers(vm), ...destinationRefusals(sourceHost, vm, dest)]
}
