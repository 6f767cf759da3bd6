// The workbench service: hosts, the VM registry, settings, and the event stream. Transports (Electron IPC, the
// lab server's WebSocket) hand raw messages to dispatch.ts, which validates them and calls the handlers in
// handlers/; handlers use the methods here.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_BOOT, DEFAULT_SETTINGS, maxDirtyPages, SettingsSchema, VM_LIMITS } from '../../shared/contract'
import { EXIT_REASONS } from '../engine/vmm/api'
import type { EventName, EventPayloadOf, GuestImage, Host, VmBoot, VmCreateRequest, VmStatsSample, VmSummary } from '../../shared/contract'
import { bootCmdline, builtInCmdline } from '../engine/vmm/cmdline'
import { WorkbenchError } from '../../shared/errors'
import type { HostBatch, HostStateChange } from '../engine/host/protocol'
import type { HostWorkerEntry } from './host-worker-entry'
import { HostManager } from './hosts'
import { JsonStore } from './json-store'
import { VmRegistry } from './vm-registry'
import { vtpmBootInput } from './handlers/attestation'

export interface ServiceOptions {
  dataDir: string
  /** Folder holding the guest images (*.elf) users can pick. */
  guestDir: string
  hostWorker: HostWorkerEntry
  /** Host worker batch rate, 2..20 Hz (default 10). */
  batchHz?: number
  version?: string
  /** Desktop only: let the user pick a file (the Electron entry shows a save/open dialog); null when cancelled.
   * Without it the service takes no file paths from clients (the lab server: browsers upload and download). */
  pickFile?: (mode: 'save' | 'open', suggestedName: string) => Promise<string | null>
}

function checkBootFits(boot: VmBoot, memoryMiB: number): void {
  if (boot.kind === 'dirty' && boot.pages > maxDirtyPages(memoryMiB)) {
    throw new WorkbenchError('VM_BOOT_DIRTY_FIT', { pages: boot.pages, max: maxDirtyPages(memoryMiB), memoryMiB })
  }
}

export type EventListener = <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void

export class WorkbenchService {
  readonly hosts: HostManager
  readonly vms: VmRegistry
  readonly settings: JsonStore<typeof SettingsSchema>
  private readonly listeners = new Set<EventListener>()
  private readonly closers: (() => Promise<void> | void)[] = []

  constructor(readonly opts: ServiceOptions) {
    this.vms = new VmRegistry(opts.dataDir)
    this.settings = new JsonStore(opts.dataDir, 'settings.json', SettingsSchema, () => ({ ...DEFAULT_SETTINGS }))
    this.hosts = new HostManager(
      opts.dataDir,
      opts.hostWorker,
      opts.batchHz ?? 10,
      (hostId, batch) => this.onBatch(hostId, batch),
      (hostId, detail) => this.onWorkerLost(hostId, detail)
    )
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit<E extends EventName>(event: E, payload: EventPayloadOf<E>): void {
    for (const l of this.listeners) l(event, payload)
  }

  // ---- hosts and images

  hostList(): Host[] {
    return this.hosts.list().map((h) => this.hosts.describe(h, this.usage(h.id)))
  }

  private usage(hostId: string, exceptVm?: string): { usedMemoryMiB: number; usedVfs: number; vmCount: number } {
    let usedMemoryMiB = 0
    let usedVfs = 0
    let vmCount = 0
    for (const vm of this.vms.list()) {
      if (vm.hostId !== hostId || vm.id === exceptVm) continue
      vmCount++
      if (vm.nic === 'sriov-vf' || vm.nic === 'vf-failover') usedVfs++
      const st = this.vms.rt(vm.id).state
      if (st === 'running' || st === 'paused') usedMemoryMiB += vm.memoryMiB
    }
    return { usedMemoryMiB, usedVfs, vmCount }
  }

  images(): GuestImage[] {
    let names: string[] = []
    try {
      names = readdirSync(this.opts.guestDir).filter((f) => f.endsWith('.elf'))
    } catch {
      return []
    }
    return names.sort().map((file) => ({ file, sizeBytes: statSync(join(this.opts.guestDir, file)).size }))
  }

  // ---- VM lifecycle

  create(req: VmCreateRequest): VmSummary {
    const host = this.hosts.get(req.hostId)
    if (this.vms.findByName(req.name)) throw new WorkbenchError('VM_NAME_TAKEN', { name: req.name })
    if (!this.images().some((i) => i.file === req.image)) throw new WorkbenchError('VM_IMAGE_NOT_FOUND', { image: req.image })
    if (req.vcpus > host.cores) throw new WorkbenchError('VM_VCPUS_OVER_HOST', { host: host.name, cores: host.cores })
    // the teaching kernel is uniprocessor and the engine runs one hart: more vCPUs would be a promise not kept
    if (req.vcpus > VM_LIMITS.vcpusSupported) throw new WorkbenchError('VM_VCPUS_UNIPROCESSOR', { vcpus: req.vcpus, max: VM_LIMITS.vcpusSupported })
    const boot = req.boot ?? DEFAULT_BOOT
    checkBootFits(boot, req.memoryMiB)
    if (req.memoryMiB > host.memoryMiB) {
      throw new WorkbenchError('HOST_OUT_OF_MEMORY', { host: host.name, requested: req.memoryMiB, free: host.memoryMiB })
    }
    if (req.nic === 'sriov-vf' || req.nic === 'vf-failover') {
      if (!host.iommu) throw new WorkbenchError('HOST_NO_IOMMU', { host: host.name })
      if (this.usage(host.id).usedVfs >= host.sriovVfs) throw new WorkbenchError('HOST_NO_FREE_VF', { host: host.name, vfs: host.sriovVfs })
    }
    const def = this.vms.add({ ...req, boot })
    const summary = this.vms.summary(def.id)
    this.emit('vm.state', summary)
    return summary
  }

  async start(id: string): Promise<VmSummary> {
    const def = this.vms.get(id)
    const rt = this.vms.rt(id)
    if (rt.state === 'running' || rt.state === 'paused') throw new WorkbenchError('VM_BAD_STATE', { id, state: rt.state, action: 'start' })
    const host = this.hosts.get(def.hostId)
    const used = this.usage(host.id, id).usedMemoryMiB
    if (used + def.memoryMiB > host.memoryMiB) {
      throw new WorkbenchError('HOST_OUT_OF_MEMORY', { host: host.name, requested: def.memoryMiB, free: host.memoryMiB - used })
    }
    let elf: Uint8Array
    try {
      elf = new Uint8Array(readFileSync(join(this.opts.guestDir, def.image)))
    } catch {
      throw new WorkbenchError('VM_IMAGE_NOT_FOUND', { image: def.image })
    }
    const conn = this.hosts.connection(host.id)
    // a halted or crashed VM still occupies its slot in the worker until stopped
    if (rt.state === 'halted' || rt.state === 'crashed') await conn.call('vm.stop', { vmId: id }).catch(() => null)
    rt.serial.clear()
    rt.stats = null
    rt.halt = null
    // a VM with a vTPM boots its image as the attestation page's tamper demo left it, and gets its vTPM state
    // the boot choice's words; the VMM adds net= and mem= (engine/vmm/cmdline.ts) and measures the result
    const boot = def.vtpm ? vtpmBootInput(this, id, elf) : { elf, cmdline: bootCmdline(def.boot, builtInCmdline(elf)), vtpm: null }
    const config = { name: def.name, memoryMiB: def.memoryMiB, mode: def.mode, nic: def.nic, vtpm: def.vtpm, cmdline: boot.cmdline }
    const hostCaps = { name: host.name, iommu: host.iommu, sriovVfs: host.sriovVfs }
    await conn.call('vm.boot', { vmId: id, config, elf: boot.elf, vtpm: boot.vtpm, host: hostCaps }, [boot.elf.buffer as ArrayBuffer])
    rt.state = 'running'
    return this.changed(id)
  }

  /** Change what a stopped (or powered-off) VM runs at its next boot. */
  setBoot(id: string, boot: VmBoot): VmSummary {
    const def = this.vms.get(id)
    const rt = this.vms.rt(id)
    if (rt.state === 'running' || rt.state === 'paused') throw new WorkbenchError('VM_BAD_STATE', { id, state: rt.state, action: 'edit' })
    checkBootFits(boot, def.memoryMiB)
    this.vms.update(id, { boot })
    return this.changed(id)
  }

  async pause(id: string): Promise<VmSummary> {
    await this.worker(id, 'running', 'pause').call('vm.pause', { vmId: id })
    this.vms.rt(id).state = 'paused'
    return this.changed(id)
  }

  async resume(id: string): Promise<VmSummary> {
    await this.worker(id, 'paused', 'resume').call('vm.resume', { vmId: id })
    this.vms.rt(id).state = 'running'
    return this.changed(id)
  }

  async stop(id: string): Promise<VmSummary> {
    const def = this.vms.get(id)
    const rt = this.vms.rt(id)
    if (rt.state === 'stopped') throw new WorkbenchError('VM_BAD_STATE', { id, state: rt.state, action: 'stop' })
    const conn = this.hosts.existing(def.hostId)
    if (conn) await conn.call('vm.stop', { vmId: id }).catch(() => null)
    rt.state = 'stopped'
    return this.changed(id)
  }

  async remove(id: string): Promise<void> {
    const rt = this.vms.rt(id)
    if (rt.state !== 'stopped') await this.stop(id)
    this.vms.remove(id)
    this.emit('vm.removed', { id })
  }

  async sendSerial(id: string, text: string): Promise<void> {
    const rt = this.vms.rt(this.vms.get(id).id)
    if (rt.state !== 'running' && rt.state !== 'paused') throw new WorkbenchError('VM_BAD_STATE', { id, state: rt.state, action: 'type' })
    const bytes = new TextEncoder().encode(text)
    await this.hosts.connection(this.vms.get(id).hostId).call('vm.serial', { vmId: id, bytes })
  }

  /** Run fn when the service closes, after the host workers stopped (resources kept open for the app's life,
   * such as the snapshot store and its lock). */
  atClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn)
  }

  async close(): Promise<void> {
    await this.hosts.close()
    for (const fn of this.closers.splice(0)) await fn()
    this.listeners.clear()
  }

  private worker(id: string, expected: VmSummary['state'], action: string) {
    const def = this.vms.get(id)
    const rt = this.vms.rt(id)
    if (rt.state !== expected) throw new WorkbenchError('VM_BAD_STATE', { id, state: rt.state, action })
    return this.hosts.connection(def.hostId)
  }

  private changed(id: string): VmSummary {
    const s = this.vms.summary(id)
    this.emit('vm.state', s)
    return s
  }

  // ---- from the host workers

  private onBatch(hostId: string, batch: HostBatch): void {
    for (const st of batch.states) this.applyState(st)
    const serial: { id: string; bytes: string }[] = []
    for (const s of batch.serial) {
      if (!this.known(s.vmId)) continue
      this.vms.rt(s.vmId).serial.append(s.bytes)
      serial.push({ id: s.vmId, bytes: Buffer.from(s.bytes).toString('base64') })
    }
    const stats: VmStatsSample[] = []
    for (const s of batch.stats) {
      if (!this.known(s.vmId)) continue
      const exits = Object.fromEntries(EXIT_REASONS.map((r) => [r, s.stats.exits[r] ?? 0])) as VmStatsSample['exits']
      const exitsPerSec = Object.fromEntries(EXIT_REASONS.map((r) => [r, s.exitsPerSec[r] ?? 0])) as VmStatsSample['exits']
      const sample: VmStatsSample = {
        id: s.vmId,
        wallMs: s.wallMs,
        instructions: s.stats.instructions,
        virtualCycles: s.stats.virtualCycles,
        exits,
        exitCycles: s.stats.exitCycles,
        dirtyPages: s.stats.dirtyPages,
        rates: { instructionsPerSec: s.instructionsPerSec, exitsPerSec, dirtyPagesPerSec: s.dirtyPagesPerSec }
      }
      this.vms.rt(s.vmId).stats = sample
      stats.push(sample)
    }
    if (stats.length > 0 || serial.length > 0) this.emit('vms.tick', { hostId, stats, serial })
  }

  private applyState(st: HostStateChange): void {
    if (!this.known(st.vmId)) return
    const rt = this.vms.rt(st.vmId)
    if (rt.state === 'stopped') return // stopped by the user meanwhile
    rt.state = st.state
    rt.halt = st.halt ? { kind: st.halt.kind, exitCode: st.halt.exitCode, error: st.halt.error } : null
    this.changed(st.vmId)
  }

  private onWorkerLost(hostId: string, detail: string): void {
    for (const vm of this.vms.list()) {
      const rt = this.vms.rt(vm.id)
      if (vm.hostId !== hostId || rt.state === 'stopped') continue
      rt.state = 'crashed'
      rt.halt = { kind: 'crash', exitCode: -1, error: { code: 'HOST_WORKER_FAILED', params: { host: hostId, detail } } }
      this.changed(vm.id)
    }
  }

  private known(id: string): boolean {
    return this.vms.list().some((v) => v.id === id)
  }
}
