// The simulated hosts: their definitions (persisted in hosts.json, two by default), the edits users make to them
// (add, redefine, remove, replace all with a preset; refused while VMs depend on what would go), and one worker
// thread each, started on first use and shut down when its host is removed.
import { z } from 'zod'
import { HOST_LIMITS } from '../../shared/contract'
import type { ErrorPayload, Host, HostInput, HostPreset, HostPresetPreview, NicModel, VmState } from '../../shared/contract'
import { WorkbenchError } from '../../shared/errors'
import { teachingLabCluster } from '../engine/cluster/planner'
import type { HostBatch } from '../engine/host/protocol'
import { HostConnection } from './host-connection'
import type { HostWorkerEntry } from './host-worker-entry'
import { JsonStore } from './json-store'

export const HostDefSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  cores: z.number().int().positive(),
  memoryMiB: z.number().int().positive(),
  iommu: z.boolean(),
  sriovVfs: z.number().int().min(0)
})
export type HostDef = z.infer<typeof HostDefSchema>

/** Two hosts that differ where it matters for the labs: host-b has no IOMMU and no SR-IOV NIC. */
export const DEFAULT_HOSTS: HostDef[] = [
  { id: 'host-a', name: 'host-a', cores: 4, memoryMiB: 2048, iommu: true, sriovVfs: 4 },
  { id: 'host-b', name: 'host-b', cores: 2, memoryMiB: 1024, iommu: false, sriovVfs: 0 }
]

/** The hosts a preset defines (the teaching lab is the I/O planner's cluster: two of four hosts lack an IOMMU). */
export function presetHosts(preset: HostPreset): HostDef[] {
  if (preset === 'default') return DEFAULT_HOSTS.map((h) => ({ ...h }))
  return teachingLabCluster().hosts.map((h) => ({
    id: h.name,
    name: h.name,
    cores: h.cores,
    memoryMiB: h.memoryMiB,
    iommu: h.iommu,
    sriovVfs: h.sriovVfs
  }))
}

export interface HostUsage {
  usedMemoryMiB: number
  usedVfs: number
  vmCount: number
}

/** A VM placed on a host, as far as host edits care. */
export interface PlacedVm {
  name: string
  memoryMiB: number
  vcpus: number
  nic: NicModel
  state: VmState
}

function usesVf(nic: NicModel): boolean {
  return nic === 'sriov-vf' || nic === 'vf-failover'
}

function liveCount(placed: PlacedVm[]): number {
  return placed.filter((v) => v.state === 'running' || v.state === 'paused').length
}

/** A worker sets up its host network (IOMMU, SR-IOV NIC, host name in refusals) once, when it starts. */
function workerStale(cur: HostDef, next: HostInput): boolean {
  return cur.iommu !== next.iommu || cur.sriovVfs !== next.sriovVfs || cur.name !== next.name
}

function refusal(code: string, params: Record<string, string | number>): ErrorPayload {
  return { code, params }
}

/** Why `host` may not become `next` with these VMs on it, or null. Memory: the VMs running or paused there
 * must still fit, and every VM must fit alone (else it could never start); cores: every VM's vCPUs; VFs: those
 * assigned stay, and VMs holding a VF keep their IOMMU. */
export function editRefusal(host: HostDef, next: HostInput, placed: PlacedVm[]): ErrorPayload | null {
  const used = placed
    .filter((v) => v.state === 'running' || v.state === 'paused')
    .reduce((sum, v) => sum + v.memoryMiB, 0)
  if (next.memoryMiB < used) return refusal('HOST_MEMORY_IN_USE', { host: host.name, requested: next.memoryMiB, used })
  const biggest = placed.reduce<PlacedVm | null>((b, v) => (!b || v.memoryMiB > b.memoryMiB ? v : b), null)
  if (biggest && next.memoryMiB < biggest.memoryMiB) {
    return refusal('HOST_MEMORY_BELOW_VM', { host: host.name, requested: next.memoryMiB, vm: biggest.name, memory: biggest.memoryMiB })
  }
  const widest = placed.reduce<PlacedVm | null>((b, v) => (!b || v.vcpus > b.vcpus ? v : b), null)
  if (widest && next.cores < widest.vcpus) {
    return refusal('HOST_CORES_BELOW_VM', { host: host.name, requested: next.cores, vm: widest.name, vcpus: widest.vcpus })
  }
  const vfs = placed.filter((v) => usesVf(v.nic)).length
  if (next.sriovVfs < vfs) return refusal('HOST_VFS_IN_USE', { host: host.name, requested: next.sriovVfs, used: vfs })
  if (vfs > 0 && !next.iommu) return refusal('HOST_IOMMU_IN_USE', { host: host.name, used: vfs })
  return null
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'host'
  )
}

export class HostManager {
  private readonly store: JsonStore<z.ZodArray<typeof HostDefSchema>>
  private readonly connections = new Map<string, HostConnection>()

  constructor(
    dataDir: string,
    private readonly entry: HostWorkerEntry,
    private readonly batchHz: number,
    private readonly onBatch: (hostId: string, batch: HostBatch) => void,
    private readonly onWorkerLost: (hostId: string, detail: string) => void
  ) {
    this.store = new JsonStore(dataDir, 'hosts.json', z.array(HostDefSchema), () => presetHosts('default'))
  }

  list(): HostDef[] {
    return this.store.value
  }

  get(id: string): HostDef {
    const h = this.store.value.find((x) => x.id === id)
    if (!h) throw new WorkbenchError('HOST_NOT_FOUND', { id })
    return h
  }

  describe(def: HostDef, usage: HostUsage): Host {
    const c = this.connections.get(def.id)
    return { ...def, ...usage, online: c?.online ?? false, worker: !c ? 'idle' : c.online ? 'running' : 'failed' }
  }

  // ---- editing (persisted atomically by the JSON store: a crash leaves the old or the new file)

  add(input: HostInput): HostDef {
    if (this.store.value.length >= HOST_LIMITS.hostsMax) throw new WorkbenchError('HOST_TOO_MANY', { max: HOST_LIMITS.hostsMax })
    this.checkName(input.name, null)
    const taken = new Set(this.store.value.map((h) => h.id))
    const base = slug(input.name)
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`
    const def: HostDef = { id, ...input }
    this.store.save([...this.store.value, def])
    return def
  }

  /** Redefines a host. Its worker thread takes the host's IOMMU and SR-IOV NIC (and name) when it starts its
   * network, and keeps them: a change there is refused while VMs run on the host, and otherwise ends the idle
   * worker so the next VM start begins one with the new capabilities. */
  async update(id: string, input: HostInput, placed: PlacedVm[]): Promise<HostDef> {
    const cur = this.get(id)
    this.checkName(input.name, id)
    const why = this.redefineRefusal(cur, input, placed)
    if (why) throw new WorkbenchError(why.code, why.params)
    const def: HostDef = { id, ...input }
    this.store.save(this.store.value.map((h) => (h.id === id ? def : h)))
    if (workerStale(cur, input) && liveCount(placed) === 0) await this.stopWorker(id)
    return def
  }

  /** editRefusal, and a network change under a worker that runs VMs. */
  private redefineRefusal(cur: HostDef, next: HostInput, placed: PlacedVm[]): ErrorPayload | null {
    const why = editRefusal(cur, next, placed)
    if (why) return why
    const live = liveCount(placed)
    const nicChanged = cur.iommu !== next.iommu || cur.sriovVfs !== next.sriovVfs
    if (nicChanged && live > 0 && this.existing(cur.id)) return refusal('HOST_CAPS_IN_USE', { host: cur.name, count: live })
    return null
  }

  /** Removes a host with no VMs on it (not the last one) and shuts its worker thread down. */
  async remove(id: string, placed: PlacedVm[]): Promise<void> {
    const cur = this.get(id)
    if (placed.length > 0) throw new WorkbenchError('HOST_HAS_VMS', { host: cur.name, count: placed.length })
    if (this.store.value.length === 1) throw new WorkbenchError('HOST_LAST', { host: cur.name })
    this.store.save(this.store.value.filter((h) => h.id !== id))
    await this.stopWorker(id)
  }

  /** What replacing every host with `preset` would do; `placedOn` lists the VMs on a current host. */
  preview(preset: HostPreset, placedOn: (hostId: string) => PlacedVm[]): HostPresetPreview {
    const next = presetHosts(preset)
    const nextIds = new Set(next.map((h) => h.id))
    const current = this.store.value
    const removed = current.filter((h) => !nextIds.has(h.id))
    let why: ErrorPayload | null = null
    for (const h of removed) {
      const count = placedOn(h.id).length
      if (count > 0 && !why) why = refusal('HOST_PRESET_BLOCKED', { host: h.name, count })
    }
    for (const h of next) {
      const cur = current.find((c) => c.id === h.id)
      if (cur && !why) why = this.redefineRefusal(cur, h, placedOn(h.id))
    }
    return {
      preset,
      removed: removed.map((h) => h.name),
      added: next.filter((h) => !current.some((c) => c.id === h.id)).map((h) => h.name),
      kept: next.filter((h) => current.some((c) => c.id === h.id)).map((h) => h.name),
      refusal: why
    }
  }

  async loadPreset(preset: HostPreset, placedOn: (hostId: string) => PlacedVm[]): Promise<void> {
    const p = this.preview(preset, placedOn)
    if (p.refusal) throw new WorkbenchError(p.refusal.code, p.refusal.params)
    const next = presetHosts(preset)
    // removed hosts, and kept ones whose network changed (no VMs run there: the preview checked)
    const stale = this.store.value.filter((h) => {
      const n = next.find((x) => x.id === h.id)
      return !n || (workerStale(h, n) && liveCount(placedOn(h.id)) === 0)
    })
    this.store.save(next)
    await Promise.all(stale.map((h) => this.stopWorker(h.id)))
  }

  private checkName(name: string, self: string | null): void {
    const key = name.trim().toLowerCase()
    if (this.store.value.some((h) => h.id !== self && h.name.toLowerCase() === key)) throw new WorkbenchError('HOST_NAME_TAKEN', { name: name.trim() })
  }

  // ---- worker threads

  /** The host's worker, started if it is not running (again, after a crash). */
  connection(id: string): HostConnection {
    this.get(id)
    let c = this.connections.get(id)
    if (!c || !c.online) {
      c = new HostConnection(
        id,
        this.entry,
        this.batchHz,
        (b) => this.onBatch(id, b),
        (detail) => this.onWorkerLost(id, detail)
      )
      this.connections.set(id, c)
    }
    return c
  }

  /** The worker if it is running, without starting one. */
  existing(id: string): HostConnection | null {
    const c = this.connections.get(id)
    return c && c.online ? c : null
  }

  /** Asks a removed host's worker to exit (it has no VMs) and forgets it. */
  private async stopWorker(id: string): Promise<void> {
    const c = this.connections.get(id)
    this.connections.delete(id)
    if (c) await c.close()
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()))
    this.connections.clear()
  }
}
