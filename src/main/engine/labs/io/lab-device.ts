// The I/O-exit lab's device, in two halves at 0x1020_0000 (a hole in the virt board's map):
//   - the register page (trapping MMIO): START, DATA, END, RESULT. Each guest store is a VM exit.
//   - the ring pages (mapped straight into the guest): a producer index, a consumer index and a ring of values
//     the guest stores into with no exit; the VMM drains the ring when its poll timer fires.
import type { MmioDevice } from '../../devices/virtio/dma'

export const LAB_BASE = 0x1020_0000
export const LAB_REG_SIZE = 0x1000
export const LAB_RING_BASE = LAB_BASE + LAB_REG_SIZE
export const LAB_RING_SIZE = 0x1_0000
const RING_HEADER = 64
export const RING_SLOTS = (LAB_RING_SIZE - RING_HEADER) / 4

export const enum LabReg {
  Start = 0x00,
  Data = 0x04,
  End = 0x08,
  Result = 0x0c
}

export interface LabMarks {
  onStart(values: number): void
  onEnd(guestSum: number): void
}

/** The trapping register page. Sums (mod 2^32) let a test check that the device saw every value. */
export class LabRegisters implements MmioDevice {
  readonly name = 'iolab-regs'
  readonly size = LAB_REG_SIZE
  received = 0
  sum = 0
  result = 0

  constructor(private readonly marks: LabMarks) {}

  read(offset: number): number {
    return offset === LabReg.Data ? this.received >>> 0 : 0
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    switch (offset) {
      case LabReg.Start:
        this.marks.onStart(value >>> 0)
        break
      case LabReg.Data:
        this.received++
        this.sum = (this.sum + value) >>> 0
        break
      case LabReg.End:
        this.marks.onEnd(value >>> 0)
        break
      case LabReg.Result:
        this.result = value >>> 0
        break
      default:
        break
    }
  }
}

/** The directly mapped ring: plain memory to the guest; `drain` is what the VMM does on each poll. */
export class LabRing implements MmioDevice {
  readonly name = 'iolab-ring'
  readonly size = LAB_RING_SIZE
  private readonly words = new Uint32Array(LAB_RING_SIZE / 4)
  received = 0
  sum = 0
  polls = 0
  /** Guest accesses that reached the page without an exit. */
  directAccesses = 0

  read(offset: number, size: 1 | 2 | 4): number {
    this.directAccesses++
    const w = this.words[offset >>> 2]
    if (size === 4) return w
    return (w >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff)
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    this.directAccesses++
    if (size !== 4) return // the lab guest stores whole words
    this.words[offset >>> 2] = value >>> 0
  }

  /** Consume everything the guest produced since the last poll; returns how many values. */
  drain(): number {
    this.polls++
    const prod = this.words[0]
    let cons = this.words[1]
    let n = 0
    while (cons !== prod) {
      this.sum = (this.sum + this.words[RING_HEADER / 4 + (cons % RING_SLOTS)]) >>> 0
      cons = (cons + 1) >>> 0
      n++
    }
    this.words[1] = cons
    this.received += n
    return n
  }
}
