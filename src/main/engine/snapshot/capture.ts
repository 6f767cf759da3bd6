// The RAM side of taking a snapshot: hash every page, queue the ones the store lacks in a pack, save the machine
// state. It needs only the VM, a PackWriter and the set of stored pages, so it runs in the host worker that runs
// the VM (the RAM never crosses threads) as well as in-process (SnapshotStore.take).
import { PAGE_SIZE, type MigratableVm } from '../vmm/vm-state'
import { liveCopy, type LiveCopyOptions, type LiveCopyStats } from './live-copy'
import type { PageList } from './manifest'
import { asBuffer, isZeroPage, pageHash } from './page-hash'
import type { PackWriter } from './page-store'
import { type StoredMachineState, encodeMachineState } from './state-codec'

export interface Progress {
  phase: 'copy' | 'read' | 'export' | 'import'
  done: number
  total: number
  /** Live snapshots: the copy round (0 = first full pass). */
  round?: number
}
export type ProgressFn = (p: Progress) => void

export interface CaptureOptions {
  /** Keep the guest running while copying (pre-copy rounds, a short pause at the end). */
  live?: boolean
  liveOptions?: LiveCopyOptions
  onProgress?: ProgressFn
}

export interface Captured {
  pages: PageList
  state: StoredMachineState
  /** Non-zero pages hashed (live: over all rounds), zero pages seen, pages written to the pack. */
  hashed: number
  zero: number
  written: number
  nonZero: number
  live?: LiveCopyStats
}

const PROGRESS_STEP = 1024

/** Hash the pages and queue new contents in `writer`; `out[i]` gets page i's hash (null for zero). */
function capturePages(writer: PackWriter, ram: Buffer, indices: ArrayLike<number>, out: PageList, counts: { hashed: number; zero: number; written: number }): void {
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]
    const off = i * PAGE_SIZE
    if (isZeroPage(ram, off)) {
      out[i] = null
      counts.zero++
      continue
    }
    const h = pageHash(ram, off)
    out[i] = h
    counts.hashed++
    if (writer.add(h, ram, off)) counts.written++
  }
  writer.flushPending() // the guest may run (live snapshot) once this returns
}

/** Capture the VM into `writer` (which the caller finishes or aborts). A paused VM is not run; a live capture
 * runs it between chunks and returns with it paused at the state it captured. */
export function captureVm(vm: MigratableVm, writer: PackWriter, opts: CaptureOptions = {}): Captured {
  const ram = asBuffer(vm.ram)
  const total = ram.length / PAGE_SIZE
  const pages: PageList = new Array(total)
  const counts = { hashed: 0, zero: 0, written: 0 }
  let live: LiveCopyStats | undefined
  let state: StoredMachineState
  if (!opts.live) {
    state = encodeMachineState(vm.saveState())
    const idx = new Uint32Array(PROGRESS_STEP)
    for (let start = 0; start < total; start += PROGRESS_STEP) {
      const n = Math.min(PROGRESS_STEP, total - start)
      for (let k = 0; k < n; k++) idx[k] = start + k
      capturePages(writer, ram, idx.subarray(0, n), pages, counts)
      opts.onProgress?.({ phase: 'copy', done: start + n, total })
    }
  } else {
    let roundDone = 0
    let lastRound = 0
    live = liveCopy(
      vm,
      (part, round) => {
        if (round !== lastRound) roundDone = 0
        lastRound = round
        capturePages(writer, ram, part, pages, counts)
        roundDone += part.length
        opts.onProgress?.({ phase: 'copy', done: roundDone, total: round === 0 ? total : Math.max(roundDone, part.length), round })
      },
      opts.liveOptions
    )
    state = encodeMachineState(vm.saveState())
  }
  let nonZero = 0
  for (const h of pages) if (h !== null) nonZero++
  return { pages, state, hashed: counts.hashed, zero: total - nonZero, written: counts.written, nonZero, live }
}
