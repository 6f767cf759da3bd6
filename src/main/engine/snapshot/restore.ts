// The RAM side of a revert: compare the VM's pages with the snapshot's, read and verify the others from the packs,
// and only when every page checked out write RAM and load the machine state. It needs only a plan (the page list,
// the state and where each page is stored), so it runs in the host worker that runs the VM as well as in-process
// (SnapshotStore.revert). Pack files never change once visible, and the store's queue keeps gc from removing one
// while a plan is out.
import { PAGE_SIZE, type MigratableVm } from '../vmm/vm-state'
import { pageListText, snapshotError } from './errors'
import type { ProgressFn } from './capture'
import type { PageList } from './manifest'
import { asBuffer, isZeroPage, pageHash } from './page-hash'
import { type LocatedPage, readLocatedPages } from './page-store'
import { type StoredMachineState, decodeMachineState } from './state-codec'

export interface RestorePlan {
  vmId: string
  snapshotId: string
  pages: PageList
  state: StoredMachineState
  /** Where each page is stored (pack × 2^26 + slot), -1 where it is zero or missing from every pack. */
  locs: Float64Array
  /** Pack number → file. */
  packs: [number, string][]
}

export interface RevertResult {
  /** Pages read from the store (and verified). */
  pagesRead: number
  /** Non-zero pages whose content in the VM already matched (verified by hash, not read). */
  pagesKept: number
  /** Pages cleared because they are zero in the snapshot. */
  pagesZeroed: number
  bytesRead: number
}

export interface RevertOptions {
  onProgress?: ProgressFn
  /** The VM was created for this revert and is discarded if it fails: its RAM is written batch by batch as the
   * pages check out (through a small kept buffer, not a staging copy of everything). Its RAM is undefined after
   * a failed revert. */
  disposableVm?: boolean
  /** The VM was built for this revert (implies disposableVm) and its RAM is zero outside these page ranges
   * [first, end) (the loaded image: freshVmPages() in fresh-vm.ts). Pages outside are neither compared nor
   * cleared: the first touch of a page of fresh memory costs a page fault (about 12 µs here), and only the pages
   * the snapshot has content for need one. */
  freshExcept?: readonly (readonly [number, number])[]
  /** A buffer of at least `bytes` for pages read before RAM may change (kept between reverts by the caller:
   * a fresh one costs a page fault per 4 KiB every time). */
  staging?: (bytes: number) => Buffer
}

const PROGRESS_STEP = 1024
/** Pages a disposable VM's revert reads at a time (4 MiB). */
const STREAM_PAGES = 1024

// The buffer a disposable VM's pages stream through, kept for the thread's lifetime. Pages are read into it,
// hashed there and copied into RAM, rather than read straight into RAM: on this machine the first access to a
// page is paid once by the kernel (the read) and once more by user code (the hash), each a fault of ~10 µs (the
// hypervisor keeps separate page tables for the two), so reading into fresh RAM costs two faults a page, and
// copying into it one. A kept buffer has paid both long ago.
let stream: Buffer | null = null
function streamBuffer(): Buffer {
  stream ??= Buffer.alloc(STREAM_PAGES * PAGE_SIZE)
  return stream
}

/** Copy staged requests [from, to) into RAM, runs of consecutive guest pages with one call. */
function applyPages(ram: Buffer, staged: Buffer, targets: number[], from: number, to: number): void {
  for (let k = from; k < to; ) {
    let j = k + 1
    while (j < to && targets[j] === targets[k] + (j - k)) j++
    staged.copy(ram, targets[k] * PAGE_SIZE, (k - from) * PAGE_SIZE, (j - from) * PAGE_SIZE)
    k = j
  }
}

/** Pages sampled to decide whether comparing the VM's RAM with the snapshot pays. */
const SAMPLE_PAGES = 256

/** Hashing the VM's pages to keep those that already hold the snapshot's content pays while many match (a guest
 * that ran briefly since); into memory that differs everywhere it is wasted work before reading every page anyway.
 * Decided on a sample spread evenly over RAM (session 2 stopped comparing after 1024 mismatches in a row, so a
 * guest that had changed its first 4 MiB had every page read from disk). */
function worthComparing(pages: PageList, ram: Buffer, mayHold: Uint8Array | null): boolean {
  const step = Math.max(1, Math.floor(pages.length / SAMPLE_PAGES))
  let sampled = 0
  let matched = 0
  for (let i = step >> 1; i < pages.length; i += step) {
    const h = pages[i]
    if (h === null || (mayHold !== null && mayHold[i] === 0)) continue
    sampled++
    if (!isZeroPage(ram, i * PAGE_SIZE) && pageHash(ram, i * PAGE_SIZE) === h) matched++
  }
  return sampled === 0 || matched * 8 >= sampled
}

/** Restore the VM to the plan's snapshot. Every page of the result is verified: pages whose current content
 * already hashes to the snapshot's are kept (a guest that ran briefly changed few pages), every other page is
 * read and its hash checked before the VM is touched. A missing or corrupt page throws SNAPSHOT_PAGES_CORRUPT and
 * leaves the VM exactly as it was (a disposable VM: to be thrown away). */
export function restoreVm(plan: RestorePlan, vm: MigratableVm, opts: RevertOptions = {}): RevertResult {
  const { pages, locs } = plan
  const ramBytes = pages.length * PAGE_SIZE
  if (ramBytes !== vm.ram.length) throw snapshotError('SNAPSHOT_RAM_SIZE_MISMATCH', { snapshot: plan.snapshotId, expected: ramBytes, actual: vm.ram.length })
  const state = decodeMachineState(plan.state)
  const ram = asBuffer(vm.ram)
  const total = pages.length
  const direct = opts.disposableVm === true || opts.freshExcept !== undefined
  // pages that may hold content (1); without freshExcept, all of them
  let mayHold: Uint8Array | null = null
  if (opts.freshExcept) {
    mayHold = new Uint8Array(total)
    for (const [a, b] of opts.freshExcept) mayHold.fill(1, Math.max(0, a), Math.min(total, b))
  }
  // 1. compare: which pages must be read, which zeroed, which already hold the snapshot's content
  const requests: LocatedPage[] = [] // pageIndex = slot in the staging buffer
  const targets: number[] = [] // guest page of each request
  const missing: number[] = []
  const toZero: number[] = []
  let nonZero = 0
  const compare = worthComparing(pages, ram, mayHold)
  for (let i = 0; i < total; i++) {
    const h = pages[i]
    const off = i * PAGE_SIZE
    const untouched = mayHold !== null && mayHold[i] === 0
    if (h === null) {
      if (!untouched && !isZeroPage(ram, off)) toZero.push(i)
      continue
    }
    nonZero++
    const same = compare && !untouched && !isZeroPage(ram, off) && pageHash(ram, off) === h
    if (!same) {
      if (locs[i] < 0) missing.push(i)
      else {
        requests.push({ pageIndex: requests.length, hash: h, loc: locs[i] })
        targets.push(i)
      }
    }
    if ((i & (PROGRESS_STEP - 1)) === PROGRESS_STEP - 1) opts.onProgress?.({ phase: 'read', done: i + 1, total: total + requests.length })
  }
  // 2. read and verify: into a staging buffer, so nothing in the VM changes before every page checked out; a
  //    disposable VM (thrown away if this fails) instead streams through a small buffer, batch by batch
  const files = new Map(plan.packs)
  let reported = 0
  const progress = (done: number): void => {
    if (done - reported >= PROGRESS_STEP || done === requests.length) {
      reported = done
      opts.onProgress?.({ phase: 'read', done: total + done, total: total + requests.length })
    }
  }
  const corrupt: number[] = [] // guest pages
  if (direct) {
    const buffer = streamBuffer()
    for (let k = 0; k < requests.length; k += STREAM_PAGES) {
      const batch = requests.slice(k, k + STREAM_PAGES).map((r, slot) => ({ ...r, pageIndex: slot }))
      const bad = readLocatedPages(batch, (no) => files.get(no), buffer, (done) => progress(k + done))
      for (const slot of bad) corrupt.push(targets[k + slot])
      if (missing.length + corrupt.length === 0) applyPages(ram, buffer, targets, k, k + batch.length)
    }
  } else {
    const staging = (opts.staging ?? ((n: number) => Buffer.allocUnsafeSlow(n)))(requests.length * PAGE_SIZE)
    for (const slot of readLocatedPages(requests, (no) => files.get(no), staging, progress)) corrupt.push(targets[slot])
    if (missing.length + corrupt.length === 0) applyPages(ram, staging, targets, 0, targets.length)
  }
  if (missing.length + corrupt.length > 0) {
    const bad = [...missing, ...corrupt].sort((a, b) => a - b)
    throw snapshotError('SNAPSHOT_PAGES_CORRUPT', {
      vm: plan.vmId,
      snapshot: plan.snapshotId,
      pages: pageListText(bad),
      count: bad.length,
      missing: missing.length,
      corrupt: corrupt.length
    })
  }
  // 3. the pages that are zero in the snapshot, then the machine state
  for (const i of toZero) ram.fill(0, i * PAGE_SIZE, (i + 1) * PAGE_SIZE)
  vm.loadState(state)
  // RAM now holds exactly the snapshot's non-zero pages: the VM's written-page record says so (a later live
  // migration then reads only those instead of every page)
  if (vm.setWrittenPages) {
    const record = new Uint8Array(total)
    for (let i = 0; i < total; i++) if (pages[i] !== null) record[i] = 1
    vm.setWrittenPages(record)
  }
  opts.onProgress?.({ phase: 'read', done: total + requests.length, total: total + requests.length })
  return { pagesRead: requests.length, pagesKept: nonZero - requests.length, pagesZeroed: toZero.length, bytesRead: requests.length * PAGE_SIZE }
}
