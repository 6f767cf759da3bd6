// The simulated hosts: their definitions (persisted in hosts.json, two by default) and one worker thread each,
// started on first use.
import { z } from 'zod'
import type { Host } from '../../shared/contract'
import { WorkbenchError } from '../../shared/errors'
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

export interface HostUsage {
  usedMemoryMiB: number
  usedVfs: number
  vmCount: number
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
    this.store = new JsonStore(dataDir, 'hosts.json', z.array(HostDefSchema), () => DEFAULT_HOSTS.map((h) => ({ ...h })))
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
    return { ...def, ...usage, online: this.connections.get(def.id)?.online ?? false }
  }

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

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()))
    this.connections.clear()
  }
}
