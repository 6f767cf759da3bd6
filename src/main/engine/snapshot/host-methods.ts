// Snapshot operations that need the running VM: they execute inside the host worker that runs it (the RAM never
// crosses threads). Each opens the store under the store lock, so host workers and the service never write it
// at the same time.
import type { MessagePort } from 'node:worker_threads'
import type { HostRuntime } from '../host/runtime'
import type { VmConfig, VmInstance } from '../vmm/api'
import { withStoreLockSync } from './store-lock'
import { openSnapshotStore, type ProgressFn, type SnapshotInfo } from './store'

export interface SnapshotTakeArgs {
  vmId: string
  storeDir: string
  name: string
  /** The VM definition stored with the snapshot (plain JSON data). */
  definition: Record<string, unknown>
  description: string
  /** Keep the guest running while copying (finishes with a short pause). */
  live: boolean
  /** Snapshot time, milliseconds since 1970 (the service's clock). */
  time: number
  /** Progress messages ({ done, total }) go here while the operation runs (transfer it with the call). */
  progress?: MessagePort
}

export interface SnapshotTakeResult {
  snapshot: SnapshotInfo
  pagesWritten: number
  zeroPages: number
  liveRounds: number | null
  pausePages: number | null
}

export interface SnapshotRevertArgs {
  vmId: string
  storeDir: string
  snapshotId: string
  /** Needed when the VM is not on this host yet (stopped): it is built from these, reverted, and left paused. */
  config: VmConfig
  elf: Uint8Array | null
  time: number
  progress?: MessagePort
}

export interface SnapshotRevertResult {
  pagesRead: number
  pagesKept: number
  pagesZeroed: number
  /** True when the VM was built for the revert (it is now paused). */
  built: boolean
}

export interface SnapshotHostMethods {
  'snapshot.take': { args: SnapshotTakeArgs; result: SnapshotTakeResult }
  'snapshot.revert': { args: SnapshotRevertArgs; result: SnapshotRevertResult }
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

export function takeOnHost(rt: HostRuntime, a: SnapshotTakeArgs): SnapshotTakeResult {
  const vm = rt.instance(a.vmId)
  return withStoreLockSync(a.storeDir, () => {
    const store = openSnapshotStore(a.storeDir, { clock: () => a.time })
    store.ensureVm(a.vmId, a.name, a.definition)
    const opts = { description: a.description, definition: a.definition, onProgress: reporter(a.progress) }
    const r = a.live ? store.takeLive(a.vmId, vm, opts) : store.take(a.vmId, vm, opts)
    return { snapshot: r.snapshot, pagesWritten: r.pagesWritten, zeroPages: r.zeroPages, liveRounds: r.live?.rounds ?? null, pausePages: r.live?.pausePages ?? null }
  })
}

export function revertOnHost(rt: HostRuntime, a: SnapshotRevertArgs): SnapshotRevertResult {
  const running = existing(rt, a.vmId)
  if (!running && !a.elf) throw new Error('snapshot.revert: the VM is not on this host and no image was given')
  const vm = running ?? rt.build(a.config, a.elf as Uint8Array)
  const store = (): ReturnType<typeof openSnapshotStore> => openSnapshotStore(a.storeDir, { clock: () => a.time })
  // a VM built for the revert is dropped if it fails, so it is read into directly
  const r = withStoreLockSync(a.storeDir, () => store().revert(a.vmId, a.snapshotId, vm, { disposableVm: !running, onProgress: reporter(a.progress) }))
  if (running) {
    rt.sendSerial(a.vmId, new Uint8Array(0)) // clears the scheduler's idle mark: the restored guest may have work
  } else {
    rt.adopt(a.vmId, vm)
    rt.pause(a.vmId)
  }
  return { pagesRead: r.pagesRead, pagesKept: r.pagesKept, pagesZeroed: r.pagesZeroed, built: !running }
}

export const snapshotHostMethodImpls = {
  'snapshot.take': (rt: HostRuntime, a: SnapshotTakeArgs): SnapshotTakeResult => takeOnHost(rt, a),
  'snapshot.revert': (rt: HostRuntime, a: SnapshotRevertArgs): SnapshotRevertResult => revertOnHost(rt, a)
}
