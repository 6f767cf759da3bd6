// The device side of a split virtqueue (virtio 1.x, 2.7): descriptor table, driver area (avail ring) and device
// area (used ring) live in guest memory; the device consumes avail entries in order, walks their descriptor
// chains, and publishes completions in the used ring. Queue logic only: no device semantics (as Firecracker keeps
// `queue.rs` apart from each device).
import {
  AVAIL_F_NO_INTERRUPT,
  DESC_F_INDIRECT,
  DESC_F_NEXT,
  DESC_F_WRITE,
  DESC_SIZE,
  USED_ELEM_SIZE,
  USED_F_NO_NOTIFY,
  needEvent
} from './constants'
import type { DmaSpace } from './dma'

export interface DescBuffer {
  addr: number
  len: number
}

export interface DescriptorChain {
  head: number
  /** Device-readable buffers (driver → device), in chain order. */
  readable: DescBuffer[]
  /** Device-writable buffers (device → driver), in chain order. */
  writable: DescBuffer[]
}

/** A malformed ring or chain: the device must stop using the queue (virtio: set DEVICE_NEEDS_RESET). */
export class QueueError extends Error {
  constructor(
    readonly code: 'VIRTQ_BAD_DESC_INDEX' | 'VIRTQ_CHAIN_LOOP' | 'VIRTQ_WRITABLE_BEFORE_READABLE' | 'VIRTQ_INDIRECT_UNSUPPORTED' | 'VIRTQ_AVAIL_OVERRUN',
    message: string
  ) {
    super(message)
    this.name = 'QueueError'
  }
}

export interface SplitQueueState {
  size: number
  ready: boolean
  descAddr: number
  driverAddr: number
  deviceAddr: number
  lastAvail: number
  usedIdx: number
  signalledUsed: number
  signalledValid: boolean
  notifyEnabled: boolean
}

export class SplitQueue {
  size = 0
  ready = false
  descAddr = 0
  driverAddr = 0
  deviceAddr = 0
  /** Next avail-ring index the device will consume (free-running 16-bit). */
  lastAvail = 0
  /** Our copy of used.idx (free-running 16-bit). */
  usedIdx = 0
  /** used.idx when we last decided about an interrupt (EVENT_IDX bookkeeping, as in QEMU's signalled_used). */
  private signalledUsed = 0
  private signalledValid = false
  /** Whether the device currently asks for notifications (false while it is busy draining the queue). */
  private notifyEnabled = true
  /** VIRTIO_F_EVENT_IDX negotiated. */
  eventIdx = false

  constructor(readonly maxSize: number) {}

  reset(): void {
    this.size = 0
    this.ready = false
    this.descAddr = this.driverAddr = this.deviceAddr = 0
    this.lastAvail = this.usedIdx = this.signalledUsed = 0
    this.signalledValid = false
    this.notifyEnabled = true
  }

  // ---- driver area: flags u16, idx u16, ring[size] u16, used_event u16 ----
  availFlags(mem: DmaSpace): number {
    return mem.readU16(this.driverAddr)
  }

  availIdx(mem: DmaSpace): number {
    return mem.readU16(this.driverAddr + 2)
  }

  usedEvent(mem: DmaSpace): number {
    return mem.readU16(this.driverAddr + 4 + 2 * this.size)
  }

  // ---- device area: flags u16, idx u16, ring[size] {id u32, len u32}, avail_event u16 ----
  private availEventAddr(): number {
    return this.deviceAddr + 4 + USED_ELEM_SIZE * this.size
  }

  /** Number of avail entries published by the driver and not consumed yet. */
  pending(mem: DmaSpace): number {
    const n = (this.availIdx(mem) - this.lastAvail) & 0xffff
    if (n > this.size) throw new QueueError('VIRTQ_AVAIL_OVERRUN', `driver published ${n} entries on a queue of ${this.size}`)
    return n
  }

  /** Take the next available chain, or null if the driver published none. */
  pop(mem: DmaSpace): DescriptorChain | null {
    if (!this.ready || this.pending(mem) === 0) return null
    const head = mem.readU16(this.driverAddr + 4 + 2 * (this.lastAvail % this.size))
    this.lastAvail = (this.lastAvail + 1) & 0xffff
    const chain = this.walk(mem, head)
    if (this.eventIdx && this.notifyEnabled) this.publishAvailEvent(mem)
    return chain
  }

  private walk(mem: DmaSpace, head: number): DescriptorChain {
    const chain: DescriptorChain = { head, readable: [], writable: [] }
    let index = head
    for (let hops = 0; ; hops++) {
      if (index >= this.size) throw new QueueError('VIRTQ_BAD_DESC_INDEX', `descriptor ${index} outside a queue of ${this.size}`)
      if (hops >= this.size) throw new QueueError('VIRTQ_CHAIN_LOOP', `chain from ${head} longer than the queue (a loop)`)
      const d = this.descAddr + DESC_SIZE * index
      const addrLo = mem.readU32(d)
      const addrHi = mem.readU32(d + 4)
      const len = mem.readU32(d + 8)
      const flags = mem.readU16(d + 12)
      const next = mem.readU16(d + 14)
      if (flags & DESC_F_INDIRECT) throw new QueueError('VIRTQ_INDIRECT_UNSUPPORTED', 'indirect descriptors were not negotiated')
      // a 32-bit machine: addresses above 4 GiB cannot be reached; treat as out of range
      const addr = addrHi === 0 ? addrLo : 0xffff_ffff
      if (flags & DESC_F_WRITE) {
        chain.writable.push({ addr, len })
      } else {
        if (chain.writable.length > 0) {
          throw new QueueError('VIRTQ_WRITABLE_BEFORE_READABLE', `descriptor ${index} is readable after a writable one`)
        }
        chain.readable.push({ addr, len })
      }
      if (!(flags & DESC_F_NEXT)) return chain
      index = next
    }
  }

  /** Return a chain to the driver: `written` bytes were written into its writable buffers. */
  pushUsed(mem: DmaSpace, head: number, written: number): void {
    const slot = this.deviceAddr + 4 + USED_ELEM_SIZE * (this.usedIdx % this.size)
    mem.writeU32(slot, head)
    mem.writeU32(slot + 4, written)
    this.usedIdx = (this.usedIdx + 1) & 0xffff
    // the element is visible before the index moves (the driver reads idx, then the element)
    mem.writeU16(this.deviceAddr + 2, this.usedIdx)
  }

  /** After pushing used entries: must the driver be interrupted? Applies used_event (EVENT_IDX) or the driver's
   * NO_INTERRUPT flag. */
  shouldInterrupt(mem: DmaSpace): boolean {
    if (!this.eventIdx) return (this.availFlags(mem) & AVAIL_F_NO_INTERRUPT) === 0
    const old = this.signalledUsed
    const valid = this.signalledValid
    this.signalledUsed = this.usedIdx
    this.signalledValid = true
    if (!valid) return true
    return needEvent(this.usedEvent(mem), this.usedIdx, old)
  }

  /** Ask the driver not to notify (while the device is draining the queue anyway) or to notify again.
   * Without EVENT_IDX: the used ring's NO_NOTIFY flag. With it: avail_event is left behind while disabled and
   * set to the next index we will consume when enabled. */
  setNotify(mem: DmaSpace, enabled: boolean): void {
    this.notifyEnabled = enabled
    if (!this.ready) return
    if (this.eventIdx) {
      if (enabled) this.publishAvailEvent(mem)
    } else {
      mem.writeU16(this.deviceAddr, enabled ? 0 : USED_F_NO_NOTIFY)
    }
  }

  private publishAvailEvent(mem: DmaSpace): void {
    mem.writeU16(this.availEventAddr(), this.lastAvail)
  }

  saveState(): SplitQueueState {
    return {
      size: this.size,
      ready: this.ready,
      descAddr: this.descAddr,
      driverAddr: this.driverAddr,
      deviceAddr: this.deviceAddr,
      lastAvail: this.lastAvail,
      usedIdx: this.usedIdx,
      signalledUsed: this.signalledUsed,
      signalledValid: this.signalledValid,
      notifyEnabled: this.notifyEnabled
    }
  }

  loadState(s: SplitQueueState): void {
    this.size = s.size
    this.ready = s.ready
    this.descAddr = s.descAddr
    this.driverAddr = s.driverAddr
    this.deviceAddr = s.deviceAddr
    this.lastAvail = s.lastAvail
    this.usedIdx = s.usedIdx
    this.signalledUsed = s.signalledUsed
    this.signalledValid = s.signalledValid
    this.notifyEnabled = s.notifyEnabled
  }
}

/** Gather the bytes of a chain's readable buffers. */
export function readChain(mem: DmaSpace, chain: DescriptorChain): Uint8Array {
  const total = chain.readable.reduce((n, b) => n + b.len, 0)
  const out = new Uint8Array(total)
  let at = 0
  for (const b of chain.readable) {
    out.set(mem.read(b.addr, b.len), at)
    at += b.len
  }
  return out
}

/** Scatter `bytes` into a chain's writable buffers; returns how many bytes fit. */
export function writeChain(mem: DmaSpace, chain: DescriptorChain, bytes: Uint8Array): number {
  let at = 0
  for (const b of chain.writable) {
    if (at >= bytes.length) break
    const n = Math.min(b.len, bytes.length - at)
    mem.write(b.addr, bytes.subarray(at, at + n))
    at += n
  }
  return at
}
