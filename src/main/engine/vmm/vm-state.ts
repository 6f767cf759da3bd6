// What snapshots and live migration need from a VM, and nothing more. The Vm class in vmm/ implements these;
// snapshot/ and migration/ depend only on this file (so they can be tested with small synthetic VMs too).
import type { HartState } from '../cpu/types'

export const PAGE_SIZE = 4096

/** Device state as plain JSON-safe data, keyed by device name ("uart0", "clint", "plic", "virtio0", ...). */
export type DeviceStates = Record<string, unknown>

/** Everything but RAM that is needed to resume a VM exactly. Plain data (structured-clone and JSON safe, with
 * byte arrays as Uint8Array, which the snapshot store encodes as base64 in manifests). */
export interface VmMachineState {
  version: 1
  hart: HartState
  devices: DeviceStates
  /** VMM-side state: virtualization mode, virtual supervisor CSRs (trap-and-emulate), virtual time, timer. */
  vmm: Record<string, unknown>
  /** Serialized vTPM (persistent + volatile state), or null for a VM without a vTPM. */
  vtpm: Uint8Array | null
}

/** The dirty log: which guest pages were written since the last collect. Backed by EPT dirty bits
 * (hardware-assisted) or write-protection faults (trap-and-emulate). */
export interface DirtyLog {
  /** Start tracking: every page counts as clean from now on. */
  start(): void
  /** Returns the indices (page number from the start of RAM) of pages written since start/the last collect,
   * ascending, and clears them (re-arming tracking for those pages). */
  collect(): Uint32Array
  stop(): void
}

/** The part of a VM that snapshots and migration operate on. */
export interface MigratableVm {
  readonly ram: Uint8Array // guest RAM, guest-physical 0x8000_0000 upwards, length = pages * PAGE_SIZE
  readonly dirtyLog: DirtyLog
  /** Virtual time in cycles (1 GHz nominal: 1 cycle = 1 ns). */
  readonly virtualCycles: number
  /** Run the guest for up to `cycles` virtual cycles (it may stop early: WFI idles advance time). */
  runFor(cycles: number): void
  saveState(): VmMachineState
  /** Replace the VM's non-RAM state (RAM is written directly by the caller). Flushes every cached
   * translation so no stale mapping survives. */
  loadState(state: VmMachineState): void
  /** Optional. One byte per RAM page: 0 = nothing wrote the page since RAM was last all zero (it holds zeros),
   * 1 = it may hold data; null when the VM cannot tell (after a loadState, until setWrittenPages). A copy.
   * Migration uses it to skip pages it would otherwise read: on hosts that back memory lazily, the first touch
   * of a never-used page costs a page fault. */
  writtenPages?(): Uint8Array | null
  /** Optional. Whoever wrote `ram` directly before a loadState (a migration destination, a snapshot revert)
   * hands the VM its record of the pages that may hold data (same layout as writtenPages). */
  setWrittenPages?(pages: Uint8Array): void
}

/** Post-copy live migration at the destination: pages arrive after the VM already runs there. */
export interface PostcopyTarget {
  /** Mark every page as not yet present; a guest access to one ends runFor early (a network page fault). */
  beginPostcopy(): void
  /** After runFor returned early because of a missing page: that page's index; -1 if none. */
  readonly missingPageFault: number
  /** Install a received page (clears its missing mark and the pending fault if it was that page). */
  installPage(index: number, bytes: Uint8Array): void
  endPostcopy(): void
}
