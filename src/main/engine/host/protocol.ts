// Messages between the service (main thread) and a host worker. The service calls methods (request/reply with
// an id); the worker pushes batches (state changes, stats samples, serial output) at 2–20 Hz.
// To add a method: declare it in HostMethods and implement it in methods.ts (or a feature file merged there).
import type { VmConfig, VmHalt, VmStats } from '../vmm/api'
import type { AttestationHostMethods } from '../attest/host-methods'
import type { MigrationHostMethods } from '../migration/host-methods'
import type { SnapshotHostMethods } from '../snapshot/host-methods'
import type { NetHostMethods } from './net-methods'
import type { HostNetCaps } from './host-network'

export type HostVmState = 'running' | 'paused' | 'halted' | 'crashed'

export interface HostMethods extends MigrationHostMethods, SnapshotHostMethods, AttestationHostMethods, NetHostMethods {
  /** Build the VM from its ELF and start running it. */
  'vm.boot': {
    args: {
      vmId: string
      config: VmConfig
      elf: Uint8Array
      /** serialized vTPM to attach (config.vtpm) */
      vtpm?: Uint8Array | null
      /** the host's IOMMU and SR-IOV NIC, for the VM's NIC (host/host-network.ts) */
      host?: HostNetCaps
    }
    result: null
  }
  'vm.pause': { args: { vmId: string }; result: null }
  'vm.resume': { args: { vmId: string }; result: null }
  /** Power the VM off and drop it (its last serial bytes and stats are flushed first). */
  'vm.stop': { args: { vmId: string }; result: null }
  'vm.serial': { args: { vmId: string; bytes: Uint8Array }; result: null }
  'host.status': { args: Record<string, never>; result: { vms: number; running: number; sliceInstructions: number } }
}
export type HostMethodName = keyof HostMethods

export interface HostCall<M extends HostMethodName = HostMethodName> {
  type: 'call'
  id: number
  method: M
  args: HostMethods[M]['args']
}

export interface HostErrorInfo {
  code: string
  params: Record<string, string | number>
}

export type HostReply =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: HostErrorInfo }

export interface HostStatsSample {
  vmId: string
  /** Wall-clock milliseconds since the VM was booted on this host. */
  wallMs: number
  stats: VmStats
  /** Rates over the interval since the previous sample (per wall-clock second). */
  instructionsPerSec: number
  exitsPerSec: Record<string, number>
  dirtyPagesPerSec: number
}

export interface HostStateChange {
  vmId: string
  state: HostVmState
  halt: (Omit<VmHalt, 'code' | 'params'> & { error: HostErrorInfo | null }) | null
}

export interface HostBatch {
  type: 'batch'
  states: HostStateChange[]
  stats: HostStatsSample[]
  serial: { vmId: string; bytes: Uint8Array }[]
}

export interface HostReady {
  type: 'ready'
}

export type HostMessage = HostReply | HostBatch | HostReady

/** What the worker receives in workerData. */
export interface HostWorkerData {
  hostId: string
  /** Batches per second (clamped to 2..20). */
  batchHz: number
  /** Pace idle guests' virtual time to wall time (RuntimeOptions.paceIdle; default true, as in the app). */
  paceIdle?: boolean
}
