// Snapshot work that needs the running VM: it executes inside the host worker that runs it (the RAM never
// crosses threads). The store itself lives in the service (keeper.ts): it hands the worker what the RAM side
// needs and records the result, inside its queue, so nothing else touches the store meanwhile.
//   snapshot.capture: hash the pages, write the ones the store lacks into a pack file the store reserved, save
//                     the machine state (capture.ts);
//   snapshot.restore: compare, read and verify the pages the plan names, then load the state (restore.ts); a VM
//                     that is not on this host is built from its image for it and left paused;
//   snapshot.prewarm: warm a guest RAM buffer for such a VM in idle time (machine/guest-ram.ts), so its revert
//                     copies into mapped pages instead of paying a page fault for each;
//   snapshot.ramPool: the pool's counters.
import type { MessagePort } from 'node:worker_threads'
import type { HostRuntime } from '../host/runtime'
import type { VmConfig, VmInstance } from '../vmm/api'
import { PAGE_SIZE } from '../vmm/vm-state'
import { SHADOW_POOL_PAGES } from '../vmm/trap-emulate'
import { GUEST_RAM_POOL_MAX_BYTES, type GuestRamPoolStats, guestRamPoolStats, recycleGuestRam, warmGuestRam } from '../machine/guest-ram'
import { type Captured, type ProgressFn, captureVm } from './capture'
import { nodeIo } from './durable-io'
import { freshVmPages } from './fresh-vm'
import type { LiveCopyOptions } from './live-copy'
import { PackWriter } from './page-store'
import { type RestorePlan, restoreVm } from './restore'

export interface SnapshotCaptureArgs {
  vmId: string
  /** The pack file to write new pages to (reserved by the store); nothing is written when every page is stored. */
  packFile: string
  /** Hashes of the pages the store already holds: not written again. */
  known: string[]
  /** Keep the guest running while copying (finishes with a short pause). */
  live: boolean
  liveOptions?: LiveCopyOptions
  /** Progress messages ({ phase, done, total, round }) go here while the operation runs (transfer it with the call). */
  progress?: MessagePort
}

export interface SnapshotCaptureResult extends Captured {
  /** The hashes written to packFile, in slot order (empty: no file). */
  packHashes: string[]
}

export interface SnapshotRestoreArgs {
  vmId: string
  plan: RestorePlan
  /** Needed when the VM is not on this host yet (stopped): it is built from these, reverted, and left paused. */
  config: VmConfig
  elf: Uint8Array | null
  progress?: MessagePort
}

export interface SnapshotRestoreResult {
  pagesRead: number
  pagesKept: number
  pagesZeroed: number
  /** True when the VM was built for the revert (it is now paused). */
  built: boolean
}

export interface SnapshotPrewarmArgs {
  config: Pick<VmConfig, 'memoryMiB' | 'mode'>
}

export interface SnapshotPrewarmResult {
  /** Size of the buffer (guest RAM plus the VMM's private pages: what the VM allocates). */
  bytes: number
  /** False when a buffer of that size is already warm or warming, the pool is full, or the VM is too large. */
  started: boolean
}

export interface SnapshotHostMethods {
  'snapshot.capture': { args: SnapshotCaptureArgs; result: SnapshotCaptureResult }
  'snapshot.restore': { args: SnapshotRestoreArgs; result: SnapshotRestoreResult }
  'snapshot.prewarm': { args: SnapshotPrewarmArgs; result: SnapshotPrewarmResult }
  'snapshot.ramPool': { args: Record<string, never>; result: GuestRamPoolStats }
}

/** Bytes of RAM a VM of this configuration allocates: its guest RAM, and under trap-and-emulate the pool of
 * shadow page-table pages behind it (as vm.ts builds its GuestMemory). A test checks a VM built after
 * prewarming takes the warm buffer, so the two cannot drift apart unnoticed. */
export function hostRamBytes(config: Pick<VmConfig, 'memoryMiB' | 'mode'>): number {
  return config.memoryMiB * (1 << 20) + (config.mode === 'trap-and-emulate' ? SHADOW_POOL_PAGES * PAGE_SIZE : 0)
}

/** Warming one VM's RAM is worth it up to this size; a larger guest pays its page faults rather than the
 * workbench holding that much memory for a revert that may never come. */
const PREWARM_MAX_BYTES = GUEST_RAM_POOL_MAX_BYTES / 2
/** Touched per turn of the worker's event loop (~512 page faults, a few ms): VMs on the host keep running. */
const WARM_STEP_BYTES = 2 << 20

export function prewarmOnHost(a: SnapshotPrewarmArgs): SnapshotPrewarmResult {
  const bytes = hostRamBytes(a.config)
  const w = bytes <= PREWARM_MAX_BYTES ? warmGuestRam(bytes) : null
  if (w) {
    const turn = (): void => {
      if (!w.step(WARM_STEP_BYTES)) setImmediate(turn)
    }
    setImmediate(turn)
  }
  return { bytes, started: w !== null }
}

function reporter(port: MessagePort | undefined): ProgressFn | undefined {
  if (!port) return undefined
  return (p) => port.postMessage({ phase: p.phase, done: p.done, total: p.total, round: p.round ?? 0 })
}

function existing(rt: HostRuntime, vmId: string): VmInstance | null {
  try {
    return rt.instance(vmId)
  } catch {
    return null
  }
}

export function captureOnHost(rt: HostRuntime, a: SnapshotCaptureArgs): SnapshotCaptureResult {
  const vm = rt.instance(a.vmId)
  const known = new Set(a.known)
  const writer = new PackWriter((h) => known.has(h), nodeIo, a.packFile)
  try {
    const c = captureVm(vm, writer, { live: a.live, liveOptions: a.liveOptions, onProgress: reporter(a.progress) })
    writer.finish()
    return { ...c, packHashes: [...writer.written] }
  } catch (err) {
    writer.abort()
    throw err
  }
}

// reverts of running VMs stage the pages they read (nothing changes before all verified): one buffer per worker,
// kept, because a fresh one costs a page fault per 4 KiB every time; only up to 64 MiB is kept (a revert that
// reads more is rare and pays its faults), so a worker never holds a large guest's worth of memory for nothing
const KEEP_STAGING_BYTES = 64 << 20
let staging: Buffer | null = null
export const stagingBuffer = (bytes: number): Buffer => {
  if (bytes > KEEP_STAGING_BYTES) return Buffer.allocUnsafeSlow(bytes)
  if (staging === null || staging.length < bytes) staging = Buffer.allocUnsafeSlow(Math.min(KEEP_STAGING_BYTES, Math.max(bytes, 8 << 20)))
  return staging
}

export function restoreOnHost(rt: HostRuntime, a: SnapshotRestoreArgs): SnapshotRestoreResult {
  const running = existing(rt, a.vmId)
  if (!running && !a.elf) throw new Error('snapshot.restore: the VM is not on this host and no image was given')
  const elf = a.elf as Uint8Array
  // a VM built for the revert gets its NIC plugged into this host's network under its own id, as at boot: the
  // snapshot's device state (virtio queues, NIC registers) needs the device, and its frames must reach the switch
  const vm = running ?? rt.build(a.config, elf, a.vmId)
  // a VM built for the revert is dropped if it fails, so it is read into directly; its RAM is zero but for its image
  const where = running ? { staging: stagingBuffer } : { freshExcept: freshVmPages(elf) }
  let r: ReturnType<typeof restoreVm>
  try {
    r = restoreVm(a.plan, vm, { ...where, onProgress: reporter(a.progress) })
  } catch (err) {
    if (!running) {
      rt.release(a.vmId, vm) // give back its switch port (and VF) on this host
      recycleGuestRam(new Uint8Array(vm.ram.buffer)) // nothing else holds the RAM of a VM built for this
    }
    throw err
  }
  if (running) {
    rt.sendSerial(a.vmId, new Uint8Array(0)) // clears the scheduler's idle mark: the restored guest may have work
  } else {
    rt.adopt(a.vmId, vm)
    rt.pause(a.vmId)
  }
  return { pagesRead: r.pagesRead, pagesKept: r.pagesKept, pagesZeroed: r.pagesZeroed, built: !running }
}

export const snapshotHostMethodImpls = {
  'snapshot.capture': (rt: HostRuntime, a: SnapshotCaptureArgs): SnapshotCaptureResult => captureOnHost(rt, a),
  'snapshot.restore': (rt: HostRuntime, a: SnapshotRestoreArgs): SnapshotRestoreResult => restoreOnHost(rt, a),
  'snapshot.prewarm': (_rt: HostRuntime, a: SnapshotPrewarmArgs): SnapshotPrewarmResult => prewarmOnHost(a),
  'snapshot.ramPool': (): GuestRamPoolStats => guestRamPoolStats()
}
