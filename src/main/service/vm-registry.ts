// The VM registry: definitions (persisted in vms.json) and each VM's run-time state (not persisted: after a
// restart every VM is stopped), last statistics sample and console scrollback.
import { z } from 'zod'
import { VmDefinitionSchema } from '../../shared/contract'
import type { VmDefinition, VmStatsSample, VmSummary } from '../../shared/contract'
import { WorkbenchError } from '../../shared/errors'
import { JsonStore } from './json-store'
import { SerialBuffer } from './serial-buffer'

const VmFileSchema = z.strictObject({ version: z.literal(1), nextSeq: z.number().int(), vms: z.array(VmDefinitionSchema) })

export interface VmRuntime {
  state: VmSummary['state']
  halt: VmSummary['halt']
  stats: VmStatsSample | null
  serial: SerialBuffer
}

export class VmRegistry {
  private readonly store: JsonStore<typeof VmFileSchema>
  private readonly runtime = new Map<string, VmRuntime>()

  constructor(dataDir: string) {
    this.store = new JsonStore(dataDir, 'vms.json', VmFileSchema, () => ({ version: 1 as const, nextSeq: 1, vms: [] }))
  }

  list(): VmDefinition[] {
    return [...this.store.value.vms].sort((a, b) => a.seq - b.seq)
  }

  get(id: string): VmDefinition {
    const vm = this.store.value.vms.find((v) => v.id === id)
    if (!vm) throw new WorkbenchError('VM_NOT_FOUND', { id })
    return vm
  }

  findByName(name: string): VmDefinition | undefined {
    const key = name.toLowerCase()
    return this.store.value.vms.find((v) => v.name.toLowerCase() === key)
  }

  add(def: Omit<VmDefinition, 'id' | 'seq'>): VmDefinition {
    const file = this.store.value
    const seq = file.nextSeq
    const slug = def.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'vm'
    const vm: VmDefinition = { ...def, id: `${slug}-${seq}`, seq }
    this.store.save({ ...file, nextSeq: seq + 1, vms: [...file.vms, vm] })
    return vm
  }

  remove(id: string): void {
    const file = this.store.value
    this.store.save({ ...file, vms: file.vms.filter((v) => v.id !== id) })
    this.runtime.delete(id)
  }

  /** Change fields of a definition (the VM's boot choice while it is stopped). */
  update(id: string, patch: Partial<Pick<VmDefinition, 'boot'>>): VmDefinition {
    const file = this.store.value
    this.get(id)
    this.store.save({ ...file, vms: file.vms.map((v) => (v.id === id ? { ...v, ...patch } : v)) })
    return this.get(id)
  }

  /** Record that the VM now lives on another host (after a live migration). */
  moveToHost(id: string, hostId: string): VmDefinition {
    const file = this.store.value
    this.get(id)
    const vms = file.vms.map((v) => (v.id === id ? { ...v, hostId } : v))
    this.store.save({ ...file, vms })
    return this.get(id)
  }

  rt(id: string): VmRuntime {
    let r = this.runtime.get(id)
    if (!r) this.runtime.set(id, (r = { state: 'stopped', halt: null, stats: null, serial: new SerialBuffer() }))
    return r
  }

  summary(id: string): VmSummary {
    const def = this.get(id)
    const r = this.rt(id)
    return { ...def, state: r.state, halt: r.halt }
  }
}
