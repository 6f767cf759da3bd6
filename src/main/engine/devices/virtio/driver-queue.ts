// The driver side of a split virtqueue, as a guest driver runs it, written in TypeScript for the lab's modelled
// guests and for tests: it lays the three areas out in guest memory, publishes buffers in the avail ring,
// decides whether to notify (avail_event / NO_NOTIFY) and reaps the used ring. The C driver in guest/iolab does
// the same in the guest.
import { DESC_F_NEXT, DESC_F_WRITE, DESC_SIZE, USED_ELEM_SIZE, USED_F_NO_NOTIFY, needEvent } from './constants'
import type { DmaSpace } from './dma'

export interface DriverBuffer {
  addr: number
  len: number
  writable: boolean
}

export interface UsedElem {
  id: number
  len: number
}

/** Bytes needed for a queue of `size` entries: descriptor table, avail ring (with used_event), padding to 4,
 * used ring (with avail_event). */
export function queueFootprint(size: number): { desc: number; avail: number; used: number; total: number } {
  const desc = 0
  const avail = DESC_SIZE * size
  const used = (avail + 6 + 2 * size + 3) & ~3
  return { desc, avail, used, total: used + 6 + USED_ELEM_SIZE * size }
}

export class DriverQueue {
  readonly descAddr: number
  readonly availAddr: number
  readonly usedAddr: number
  private freeHead = 0
  private numFree: number
  private availIdx = 0
  /** avail.idx at the last notification decision. */
  private kickedIdx = 0
  private lastUsed = 0
  private readonly chainLength: number[]
  eventIdx = false

  constructor(
    private readonly mem: DmaSpace,
    readonly base: number,
    readonly size: number
  ) {
    const f = queueFootprint(size)
    this.descAddr = base + f.desc
    this.availAddr = base + f.avail
    this.usedAddr = base + f.used
    this.numFree = size
    this.chainLength = new Array<number>(size).fill(0)
    mem.write(base, new Uint8Array(f.total))
    for (let i = 0; i < size; i++) mem.writeU16(this.descAddr + DESC_SIZE * i + 14, (i + 1) % size)
  }

  get free(): number {
    return this.numFree
  }

  /** Put one chain in the descriptor table and the avail ring (not yet visible: call publish). Returns head. */
  add(buffers: DriverBuffer[]): number {
    if (buffers.length === 0 || buffers.length > this.numFree) throw new RangeError('virtqueue full')
    const head = this.freeHead
    let index = head
    for (let i = 0; i < buffers.length; i++) {
      const b = buffers[i]
      const d = this.descAddr + DESC_SIZE * index
      const next = this.mem.readU16(d + 14)
      this.mem.writeU32(d, b.addr)
      this.mem.writeU32(d + 4, 0)
      this.mem.writeU32(d + 8, b.len)
      const last = i === buffers.length - 1
      this.mem.writeU16(d + 12, (b.writable ? DESC_F_WRITE : 0) | (last ? 0 : DESC_F_NEXT))
      if (last) this.freeHead = next
      else index = next
      if (!last) this.mem.writeU16(d + 14, next)
    }
    this.numFree -= buffers.length
    this.chainLength[head] = buffers.length
    this.mem.writeU16(this.availAddr + 4 + 2 * (this.availIdx % this.size), head)
    this.availIdx = (this.availIdx + 1) & 0xffff
    return head
  }

  /** Make added chains visible to the device (the store to avail.idx after the ring entries). */
  publish(): void {
    this.mem.writeU16(this.availAddr + 2, this.availIdx)
  }

  /** Must the driver write QueueNotify for what it published since the last decision? */
  needsKick(): boolean {
    const old = this.kickedIdx
    this.kickedIdx = this.availIdx
    if (this.eventIdx) {
      const availEvent = this.mem.readU16(this.usedAddr + 4 + USED_ELEM_SIZE * this.size)
      return needEvent(availEvent, this.availIdx, old)
    }
    return (this.mem.readU16(this.usedAddr) & USED_F_NO_NOTIFY) === 0
  }

  /** Reap completions; their descriptors return to the free list. */
  reap(): UsedElem[] {
    const out: UsedElem[] = []
    const usedIdx = this.mem.readU16(this.usedAddr + 2)
    while (this.lastUsed !== usedIdx) {
      const e = this.usedAddr + 4 + USED_ELEM_SIZE * (this.lastUsed % this.size)
      const id = this.mem.readU32(e)
      const len = this.mem.readU32(e + 4)
      out.push({ id, len })
      this.release(id)
      this.lastUsed = (this.lastUsed + 1) & 0xffff
    }
    return out
  }

  /** Ask for an interrupt only once the device has used `ahead` more entries (EVENT_IDX used_event). */
  setUsedEvent(ahead: number): void {
    this.mem.writeU16(this.availAddr + 4 + 2 * this.size, (this.lastUsed + ahead - 1) & 0xffff)
  }

  private release(head: number): void {
    let index = head
    const n = this.chainLength[head]
    for (let i = 0; i < n - 1; i++) index = this.mem.readU16(this.descAddr + DESC_SIZE * index + 14)
    this.mem.writeU16(this.descAddr + DESC_SIZE * index + 14, this.freeHead)
    this.freeHead = head
    this.numFree += n
  }
}
