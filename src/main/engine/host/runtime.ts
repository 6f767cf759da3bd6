// The host runtime: the VMs placed on one simulated host, scheduled round-robin in equal instruction slices,
// with their state changes, statistics and serial output collected into batches. Plain TypeScript with the clock
// and the VM factory injected, so the scheduler can be tested without a worker thread.
import { EXIT_REASONS } from '../vmm/api'
import type { VmConfig, VmInstance, VmStats } from '../vmm/api'
import { WorkbenchError, toErrorPayload } from '../../../shared/errors'
import type { HostBatch, HostStateChange, HostStatsSample, HostVmState } from './protocol'
import { VTpm } from '../vtpm/vtpm'
import type { VmEnv } from '../vmm/vm'
import { HostNetwork } from './host-network'

/** How often a VM with nothing new to report still sends a stats sample (ms). */
const QUIET_SAMPLE_MS = 1000

/** Builds a VM; `env.network` is the host network its NIC (config.nic) plugs into. */
export type VmFactory = (config: VmConfig, elf: Uint8Array, env?: VmEnv) => VmInstance

interface Slot {
  id: string
  vm: VmInstance
  state: HostVmState
  bootedAt: number
  lastSampleAt: number
  lastStats: VmStats
  /** No activity since the last (zero-rate) sample was sent. */
  quiet: boolean
  /** Set when the guest reported 'idle' (nothing pending); cleared by serial input. */
  idle: boolean
  /** Instructions executed in total, for fairness accounting. */
  executed: number
  /** Paced: wall time (ms) and virtual time (cycles) from which idle skipping follows the wall clock. */
  anchorMs: number
  anchorCycles: number
}

const MIN_SLICE = 2_000
const MAX_SLICE = 2_000_000

export interface RuntimeOptions {
  factory: VmFactory
  now: () => number
  /** Target wall-clock milliseconds for one round over all runnable VMs. */
  roundTargetMs?: number
  /** Pace idle skipping to `now()`: a sleeping guest's virtual clock never runs ahead of its wall-clock time on
   * this host (1 ms of wall time = 1,000,000 cycles at the nominal 1 GHz), as a real VM's clock follows real
   * time while it idles; busy guests still run as fast as the engine can (and lag). Off by default: tests,
   * benches and experiments keep pure virtual time; the app's host workers turn it on (worker-main.ts). */
  paceIdle?: boolean
}

/** Cycles of virtual time per wall-clock millisecond (nominal 1 GHz). */
const CYCLES_PER_MS = 1_000_000

export class HostRuntime {
  private readonly slots = new Map<string, Slot>()
  private order: string[] = []
  private pendingStates: HostStateChange[] = []
  private pendingSerial: { vmId: string; bytes: Uint8Array }[] = []
  private finished: Slot[] = []
  private slice = 20_000
  private readonly roundTargetMs: number
  /** The host's virtual switch, SR-IOV NIC and load clients: every NIC VM on this host is plugged into it. */
  readonly network = new HostNetwork()

  constructor(private readonly opts: RuntimeOptions) {
    this.roundTargetMs = opts.roundTargetMs ?? 8
  }

  get sliceInstructions(): number {
    return this.slice
  }

  get vmCount(): number {
    return this.slots.size
  }

  get runningCount(): number {
    let n = 0
    for (const s of this.slots.values()) if (s.state === 'running') n++
    return n
  }

  boot(vmId: string, config: VmConfig, elf: Uint8Array, vtpm: Uint8Array | null = null): void {
    if (this.slots.has(vmId)) throw new WorkbenchError('VM_BAD_STATE', { id: vmId, state: 'running', action: 'start' })
    const vm = this.build(config, elf, vmId)
    // before the first instruction: the VMM's firmware measures the boot into it at once
    if (vtpm && config.vtpm) vm.attachVtpm?.(VTpm.deserialize(vtpm))
    this.adopt(vmId, vm)
  }

  /** Build a VM without scheduling it (a live migration's incoming VM). With `vmId` its NIC is plugged into this
   * host's network under that id (without: its frames go nowhere). */
  build(config: VmConfig, elf: Uint8Array, vmId?: string): VmInstance {
    if (vmId === undefined || config.nic === 'none') return this.opts.factory(config, elf)
    const network = this.network.forVm(vmId, config.name)
    try {
      return this.opts.factory(config, elf, { network })
    } catch (e) {
      this.network.unplug(vmId)
      throw e
    }
  }

  /** Schedule an already built VM, running (boot, or a VM arriving by / returning from live migration). */
  adopt(vmId: string, vm: VmInstance): void {
    if (this.slots.has(vmId)) throw new WorkbenchError('VM_BAD_STATE', { id: vmId, state: 'running', action: 'start' })
    const t = this.opts.now()
    const stats = vm.stats()
    const slot: Slot = { id: vmId, vm, state: 'running', bootedAt: t, lastSampleAt: t, lastStats: stats, quiet: false, idle: false, executed: 0, anchorMs: t, anchorCycles: stats.virtualCycles }
    this.slots.set(vmId, slot)
    this.order.push(vmId)
    this.network.setScheduled(vmId, true)
    this.pace(slot)
    this.changeState(slot, 'running')
  }

  /** From now on the slot's idle skipping follows the wall clock (when paceIdle). */
  private pace(slot: Slot): void {
    if (!this.opts.paceIdle || !slot.vm.setPace) return
    slot.anchorMs = this.opts.now()
    slot.anchorCycles = slot.vm.stats().virtualCycles
    slot.vm.setPace(() => slot.anchorCycles + Math.floor(Math.max(0, this.opts.now() - slot.anchorMs) * CYCLES_PER_MS))
  }

  pause(vmId: string): void {
    const slot = this.get(vmId)
    if (slot.state !== 'running') throw new WorkbenchError('VM_BAD_STATE', { id: vmId, state: slot.state, action: 'pause' })
    this.changeState(slot, 'paused')
    this.network.setPaused(vmId, true)
  }

  resume(vmId: string): void {
    const slot = this.get(vmId)
    if (slot.state !== 'paused') throw new WorkbenchError('VM_BAD_STATE', { id: vmId, state: slot.state, action: 'resume' })
    this.changeState(slot, 'running')
    this.network.setPaused(vmId, false)
    this.pace(slot) // the pause is not part of its wall-clock time
  }

  /** Drops the VM; its remaining serial output and a final stats sample go into the next batch. */
  stop(vmId: string): void {
    const slot = this.get(vmId)
    this.slots.delete(vmId)
    this.order = this.order.filter((id) => id !== vmId)
    this.network.unplug(vmId, slot.vm.nic?.vf ?? null)
    this.finished.push(slot)
  }

  /** A VM that left this host by live migration: its switch port and VF go (it was detached before). */
  release(vmId: string, vm: VmInstance): void {
    if (this.slots.has(vmId)) return // it came back meanwhile (a migration back to this host)
    this.network.unplug(vmId, vm.nic?.vf ?? null)
  }

  /** Take a VM out of the scheduler without stopping it or reporting a state change (live migration drives
   * it meanwhile). */
  detach(vmId: string): VmInstance {
    const slot = this.get(vmId)
    this.slots.delete(vmId)
    this.order = this.order.filter((id) => id !== vmId)
    // pure virtual time from now on; the host network waits for it (or passes it) instead of running it
    slot.vm.setPace?.(null)
    this.network.setScheduled(vmId, false)
    this.network.attachClockOf(vmId)
    return slot.vm
  }

  sendSerial(vmId: string, bytes: Uint8Array): void {
    const slot = this.get(vmId)
    slot.vm.sendSerial(bytes)
    slot.idle = false
  }

  /** The VM instance, for feature methods that operate on it (snapshots, migration, attestation). */
  instance(vmId: string): VmInstance {
    return this.get(vmId).vm
  }

  /** True when some VM wants CPU time. */
  hasRunnable(): boolean {
    for (const s of this.slots.values()) if (this.wantsCpu(s)) return true
    return false
  }

  /** Running and not idle, or idle with a frame on its way (the host network has events pending). */
  private wantsCpu(s: Slot): boolean {
    return s.state === 'running' && (!s.idle || s.vm.pendingInput?.() === true)
  }

  /** One round: every runnable VM executes one slice, in rotating order. Returns instructions executed. */
  runRound(): number {
    const runnable = this.order.filter((id) => {
      const s = this.slots.get(id)
      return s !== undefined && this.wantsCpu(s)
    })
    if (runnable.length === 0) return 0
    const started = this.opts.now()
    let total = 0
    for (const id of runnable) {
      const slot = this.slots.get(id)
      if (slot) total += this.stepSlot(slot)
    }
    // rotate so no VM is always first after a pause/boot of another
    if (this.order.length > 1) this.order.push(this.order.shift() as string)
    this.adaptSlice(this.opts.now() - started, runnable.length)
    return total
  }

  /** Collects everything since the last batch. Returns null when there is nothing to report. */
  collectBatch(): HostBatch | null {
    const now = this.opts.now()
    const stats: HostStatsSample[] = []
    const live = [...this.slots.values()]
    // paced guests asleep with nothing due: their clocks follow the wall clock (one empty step moves them)
    if (this.opts.paceIdle) for (const s of live) if (s.state === 'running' && s.idle) this.stepSlot(s, 1)
    for (const slot of [...live, ...this.finished]) {
      const bytes = slot.vm.drainSerial()
      if (bytes.length > 0) this.pendingSerial.push({ vmId: slot.id, bytes })
      const sample = this.sample(slot, now)
      if (sample) stats.push(sample)
    }
    this.finished = []
    if (stats.length === 0 && this.pendingStates.length === 0 && this.pendingSerial.length === 0) return null
    const batch: HostBatch = { type: 'batch', states: this.pendingStates, stats, serial: this.pendingSerial }
    this.pendingStates = []
    this.pendingSerial = []
    return batch
  }

  private sample(slot: Slot, now: number): HostStatsSample | null {
    const stats = slot.vm.stats()
    const changed = stats.instructions !== slot.lastStats.instructions || stats.virtualCycles !== slot.lastStats.virtualCycles
    // a quiet VM (idle guest, paused) still reports once a second, so uptime and the charts' time axis keep moving
    if (!changed && slot.quiet && now - slot.lastSampleAt < QUIET_SAMPLE_MS) return null
    const sample = this.makeSample(slot, stats, slot.lastStats, Math.max(1e-3, (now - slot.lastSampleAt) / 1000), now)
    // after activity stops, one sample with zero rates goes out, then the VM stays quiet
    slot.quiet = !changed
    slot.lastStats = stats
    slot.lastSampleAt = now
    return sample
  }

  private makeSample(slot: Slot, stats: VmStats, prev: VmStats, dtSec: number, now: number): HostStatsSample {
    const rate = (a: number, b: number): number => (a - b) / dtSec
    const exitsPerSec: Record<string, number> = {}
    for (const r of EXIT_REASONS) exitsPerSec[r] = rate(stats.exits[r] ?? 0, prev.exits[r] ?? 0)
    return {
      vmId: slot.id,
      wallMs: now - slot.bootedAt,
      stats,
      instructionsPerSec: rate(stats.instructions, prev.instructions),
      exitsPerSec,
      dirtyPagesPerSec: rate(stats.dirtyPages, prev.dirtyPages)
    }
  }

  private stepSlot(slot: Slot, instructions = this.slice): number {
    try {
      const r = slot.vm.step(instructions)
      slot.executed += r.executed
      slot.idle = r.status === 'idle'
      if (r.status === 'halted' || r.status === 'crashed' || slot.vm.halt) this.onHalt(slot)
      return r.executed
    } catch (err) {
      // a fault the VMM did not contain: stop only this VM, report why
      this.changeState(slot, 'crashed', { kind: 'crash', exitCode: -1, error: toErrorPayload(err) })
      return 0
    }
  }

  private onHalt(slot: Slot): void {
    const h = slot.vm.halt
    if (!h) {
      this.changeState(slot, 'crashed', { kind: 'crash', exitCode: -1, error: { code: 'INTERNAL_ERROR', params: {} } })
      return
    }
    const error = h.code ? { code: h.code, params: h.params ?? {} } : null
    this.changeState(slot, h.kind === 'poweroff' ? 'halted' : 'crashed', { kind: h.kind, exitCode: h.exitCode, error })
  }

  private changeState(slot: Slot, state: HostVmState, halt: HostStateChange['halt'] = null): void {
    slot.state = state
    this.pendingStates.push({ vmId: slot.id, state, halt })
  }

  private adaptSlice(elapsedMs: number, vms: number): void {
    const perVm = this.roundTargetMs / vms
    const spent = elapsedMs / vms
    if (spent < perVm * 0.5) this.slice = Math.min(MAX_SLICE, Math.round(this.slice * 1.5))
    else if (spent > perVm * 1.5) this.slice = Math.max(MIN_SLICE, Math.round(this.slice / 1.5))
  }

  private get(vmId: string): Slot {
    const slot = this.slots.get(vmId)
    if (!slot) throw new WorkbenchError('VM_NOT_FOUND', { id: vmId })
    return slot
  }
}
