// Guest RAM buffers, with a per-thread pool of buffers whose pages are already mapped.
//
// A freshly allocated ArrayBuffer is mapped lazily by the kernel: the first touch of each 4 KiB page is a page
// fault (about 14 µs here, so ~230 ms for 64 MiB, whatever writes the page). A VM built to be reverted into (a
// stopped VM's revert, a clone's) restores every page its snapshot has content for and would pay that fault on
// each. A buffer from the pool was touched beforehand (warmed while the host was idle, or given back by a VM
// that ended), so the restore only copies. Pooled buffers are all zero, as a fresh allocation is: a VM cannot tell
// where its RAM came from. Each thread (host worker) has its own pool; nothing is shared across threads.
/** The host's page size: the unit the kernel maps on first touch. */
const PAGE_SIZE = 4096

/** At most this many bytes are kept warm per thread (memory the process holds for nothing until a VM takes it). */
export const GUEST_RAM_POOL_MAX_BYTES = 512 << 20
/** And at most this many buffers of one size. */
const MAX_PER_SIZE = 2

const pool = new Map<number, Uint8Array[]>()
let pooledBytes = 0
/** Buffers being warmed (WarmingRam), by size: a VM built meanwhile takes one as it is. */
const warming = new Map<number, WarmingRam[]>()

export interface GuestRamPoolStats {
  /** Warm, zeroed buffers waiting for a VM. */
  buffers: number
  bytes: number
  /** Buffers still being warmed. */
  warming: number
  /** VMs whose RAM came from the pool since the thread started (warm or partly warmed). */
  taken: number
}

let taken = 0

/** RAM for a machine of `bytes`: a warm buffer of exactly that size from the pool if there is one, else a fresh
 * allocation. Either way every byte is zero. */
export function allocateGuestRam(bytes: number): Uint8Array {
  const ready = pool.get(bytes)
  const warm = ready?.pop()
  if (warm) {
    pooledBytes -= bytes
    taken++
    return warm
  }
  const partly = warming.get(bytes)?.shift()
  if (partly) {
    partly.handOver()
    taken++
    return partly.ram
  }
  return new Uint8Array(bytes)
}

function room(bytes: number): boolean {
  return pooledBytes + inWarming() + bytes <= GUEST_RAM_POOL_MAX_BYTES && (pool.get(bytes)?.length ?? 0) + (warming.get(bytes)?.length ?? 0) < MAX_PER_SIZE
}

function inWarming(): number {
  let n = 0
  for (const [size, list] of warming) n += size * list.length
  return n
}

function put(ram: Uint8Array): void {
  const list = pool.get(ram.length) ?? []
  list.push(ram)
  pool.set(ram.length, list)
  pooledBytes += ram.length
}

/** Give back the RAM of a machine that will never run again (nothing else may hold it): it is zeroed and kept for
 * the next VM of its size if the pool has room. Pass the machine's whole buffer (SystemBus.ram). Returns whether
 * it was kept. */
export function recycleGuestRam(ram: Uint8Array): boolean {
  if (ram.byteOffset !== 0 || ram.byteLength !== ram.buffer.byteLength || ram.length === 0 || !room(ram.length)) return false
  ram.fill(0) // touched pages: no faults, ~4 ms for 64 MiB
  put(ram)
  return true
}

/** A buffer being warmed a slice at a time (the caller decides when: between the host's other work). */
export class WarmingRam {
  readonly ram: Uint8Array
  private next = 0
  private gone = false

  constructor(bytes: number) {
    this.ram = new Uint8Array(bytes)
  }

  /** Bytes touched so far. */
  get warmed(): number {
    return this.next
  }

  /** True once the buffer is in the pool, or was handed to a VM before that, or dropped. */
  get done(): boolean {
    return this.gone
  }

  /** Touch (write) the next `maxBytes` of pages; when the last is touched the buffer joins the pool. Returns done. */
  step(maxBytes: number): boolean {
    if (this.gone) return true
    const end = Math.min(this.ram.length, this.next + Math.max(PAGE_SIZE, maxBytes))
    // a write, not a read: a read fault would map the shared zero page and the first write would fault again
    for (let off = this.next; off < end; off += PAGE_SIZE) this.ram[off] = 0
    this.next = end
    if (end === this.ram.length) {
      this.forget()
      put(this.ram)
    }
    return this.gone
  }

  /** A VM takes it as it is (its untouched pages fault as a fresh buffer's would). */
  handOver(): void {
    this.forget()
  }

  private forget(): void {
    this.gone = true
    const list = warming.get(this.ram.length) ?? []
    const i = list.indexOf(this)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) warming.delete(this.ram.length)
  }
}

/** Start warming a buffer of `bytes` for the pool, or null when `want` buffers of that size are already warm or
 * warming, or the pool has no room. The caller runs step() until it returns true, a slice at a time. */
export function warmGuestRam(bytes: number, want = 1): WarmingRam | null {
  const have = (pool.get(bytes)?.length ?? 0) + (warming.get(bytes)?.length ?? 0)
  if (bytes <= 0 || have >= want || !room(bytes)) return null
  const w = new WarmingRam(bytes)
  const list = warming.get(bytes) ?? []
  list.push(w)
  warming.set(bytes, list)
  return w
}

export function guestRamPoolStats(): GuestRamPoolStats {
  let buffers = 0
  for (const list of pool.values()) buffers += list.length
  let w = 0
  for (const list of warming.values()) w += list.length
  return { buffers, bytes: pooledBytes, warming: w, taken }
}

/** Drop every pooled buffer (the memory goes back to the allocator). Buffers being warmed are dropped too. */
export function drainGuestRamPool(): void {
  pool.clear()
  pooledBytes = 0
  for (const list of [...warming.values()]) for (const w of [...list]) w.handOver()
}
