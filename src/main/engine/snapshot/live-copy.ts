// Live snapshot copy (pre-copy, as in live migration, but to disk): the guest keeps running while its pages are
// copied; the dirty log then names the pages written meanwhile, which are copied again, round after round, until
// few enough remain to copy them with the guest paused. The snapshot is then exactly the state at that pause.
import { PAGE_SIZE, type MigratableVm } from '../vmm/vm-state'

export interface LiveCopyOptions {
  /** Pages copied between two slices of guest execution (default 256 = 1 MiB). */
  chunkPages?: number
  /** Virtual cycles the guest runs after each chunk (default 200,000 = 0.2 ms). */
  cyclesPerChunk?: number
  /** Copy rounds after the first full pass before pausing anyway (default 8). */
  maxRounds?: number
  /** Pause and finish once at most this many pages are dirty (default 64). */
  pausePages?: number
}

export interface LiveCopyStats {
  rounds: number
  pagesCopied: number
  /** Pages copied during the final pause (the downtime). */
  pausePages: number
  /** Virtual cycles the guest ran while being copied. */
  cyclesRun: number
}

/** Runs the copy rounds; `copy(pageIndices)` stores the current content of those pages. The caller saves the
 * non-RAM state right after this returns (the guest is paused: nothing runs in between). */
export function liveCopy(vm: MigratableVm, copy: (pages: ArrayLike<number>, round: number) => void, opts: LiveCopyOptions = {}): LiveCopyStats {
  const chunk = Math.max(1, opts.chunkPages ?? 256)
  const cycles = opts.cyclesPerChunk ?? 200_000
  const maxRounds = opts.maxRounds ?? 8
  const pauseLimit = opts.pausePages ?? 64
  const stats: LiveCopyStats = { rounds: 0, pagesCopied: 0, pausePages: 0, cyclesRun: 0 }
  const total = vm.ram.length / PAGE_SIZE
  const startCycles = vm.virtualCycles

  const copyRunning = (pages: ArrayLike<number>, round: number): void => {
    for (let i = 0; i < pages.length; i += chunk) {
      const part = Array.prototype.slice.call(pages, i, Math.min(pages.length, i + chunk)) as number[]
      copy(part, round)
      stats.pagesCopied += part.length
      if (cycles > 0) vm.runFor(cycles)
    }
  }

  vm.dirtyLog.start()
  try {
    const all = new Uint32Array(total)
    for (let i = 0; i < total; i++) all[i] = i
    copyRunning(all, 0)
    let dirty = vm.dirtyLog.collect()
    while (dirty.length > pauseLimit && stats.rounds < maxRounds) {
      stats.rounds++
      copyRunning(dirty, stats.rounds)
      dirty = vm.dirtyLog.collect()
    }
    // paused: nothing runs from here until the caller has saved the machine state
    copy(dirty, stats.rounds + 1)
    stats.pagesCopied += dirty.length
    stats.pausePages = dirty.length
  } finally {
    vm.dirtyLog.stop()
  }
  stats.cyclesRun = vm.virtualCycles - startCycles
  return stats
}
