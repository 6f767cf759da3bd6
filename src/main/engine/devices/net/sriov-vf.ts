// An SR-IOV virtual function handed to one VM. Its register page (the VF's BAR) is mapped straight into the
// guest, so register accesses never exit; its descriptor rings and buffers live in guest memory and the device
// reaches them by DMA through the IOMMU (the VM's domain); completions are posted interrupts, delivered to the
// vCPU without an exit. The device runs "in hardware": the host calls `service()` whenever device time passes
// (after each guest slice, when a frame arrives), never because the guest trapped.
//
// Register page (32-bit registers, little-endian):
//   0x00 CTRL      bit0 enable               0x04 STATUS   bit0 link up, bit1 DMA error (sticky until CTRL write)
//   0x08 MAC_LO    0x0c MAC_HI (read only)
//   0x10 TX_BASE   0x14 TX_SIZE   0x18 TX_TAIL (driver: next free)   0x1c TX_HEAD (device: next to send)
//   0x20 RX_BASE   0x24 RX_SIZE   0x28 RX_TAIL (driver: buffers up to) 0x2c RX_HEAD (device: next to fill)
//   0x30 IRQ_CAUSE (bit0 tx done, bit1 rx)   0x34 IRQ_MASK   0x38 DMA_ERRORS (count)
// Descriptor (16 bytes): addr u32, 0 u32, len u16, flags u16 (bit0 DD: done, written back by the device), u32 0.
import { DmaFault, type DmaSpace, type MmioDevice } from '../virtio/dma'
import type { FrameRx, FrameTx, Mac } from '../../network/frame'

export const VF_PAGE_SIZE = 4096
export const VF_DESC_SIZE = 16
export const VF_DESC_DD = 1
export const VF_IRQ_TX = 1
export const VF_IRQ_RX = 2

export const enum VfReg {
  Ctrl = 0x00,
  Status = 0x04,
  MacLo = 0x08,
  MacHi = 0x0c,
  TxBase = 0x10,
  TxSize = 0x14,
  TxTail = 0x18,
  TxHead = 0x1c,
  RxBase = 0x20,
  RxSize = 0x24,
  RxTail = 0x28,
  RxHead = 0x2c,
  IrqCause = 0x30,
  IrqMask = 0x34,
  DmaErrors = 0x38
}

/** Delivers the VF's interrupt to the VM's vCPU as a posted interrupt: the device's message sets the pending bit
 * in the VM's interrupt file (a RISC-V AIA guest interrupt file, a VT-d posted-interrupt descriptor) and a vCPU
 * halted in WFI is woken by the host, without a VM exit for the delivery (the VMM: Vm.postedInterrupts). */
export interface PostedInterruptSink {
  /** A completion's message (one per event; repeated ones while pending coalesce in the interrupt file). */
  post(source: string): void
  /** Nothing is pending any more: the driver claimed the cause (IRQ_CAUSE write) or masked it. */
  clear?(source: string): void
}

export interface VfStats {
  txFrames: number
  rxFrames: number
  rxDropped: number
  dmaErrors: number
  postedInterrupts: number
  /** Register accesses by the guest: all direct (no exits), counted to show it. */
  directAccesses: number
}

export interface SriovVfState {
  regs: number[]
  backlog: number[][]
}

export class SriovVf implements MmioDevice, FrameRx {
  readonly name: string
  readonly size = VF_PAGE_SIZE
  private readonly regs = new Uint32Array(VF_PAGE_SIZE / 4)
  private backlog: Uint8Array[] = []
  /** A cause is pending and unmasked (the posted interrupt is outstanding). */
  private line = false
  readonly stats: VfStats = { txFrames: 0, rxFrames: 0, rxDropped: 0, dmaErrors: 0, postedInterrupts: 0, directAccesses: 0 }

  constructor(
    readonly index: number,
    readonly mac: Mac,
    private dma: DmaSpace,
    private tx: FrameTx,
    private irq: PostedInterruptSink
  ) {
    this.name = `vf${index}`
    this.regs[VfReg.MacLo / 4] = (mac[0] | (mac[1] << 8) | (mac[2] << 16) | (mac[3] << 24)) >>> 0
    this.regs[VfReg.MacHi / 4] = mac[4] | (mac[5] << 8)
    this.regs[VfReg.Status / 4] = 1
  }

  /** Plug into another VM (new IOMMU view, network port and interrupt target). */
  rebind(dma: DmaSpace, tx: FrameTx, irq: PostedInterruptSink): void {
    this.dma = dma
    this.tx = tx
    this.irq = irq
  }

  /** Function-level reset: what unplugging does. */
  reset(): void {
    const lo = this.regs[VfReg.MacLo / 4]
    const hi = this.regs[VfReg.MacHi / 4]
    this.regs.fill(0)
    this.regs[VfReg.MacLo / 4] = lo
    this.regs[VfReg.MacHi / 4] = hi
    this.regs[VfReg.Status / 4] = 1
    this.backlog = []
    this.updateLine()
  }

  /** Frames the device holds but has not written into the guest's ring yet (taken by a failover pair that moves
   * delivery to its standby). */
  takeBacklog(): Uint8Array[] {
    const b = this.backlog
    this.backlog = []
    return b
  }

  /** The posted line follows IRQ_CAUSE & IRQ_MASK: unmasking a pending cause posts, claiming or masking clears. */
  private updateLine(countPost = true): void {
    const on = (this.reg(VfReg.IrqCause) & this.reg(VfReg.IrqMask)) !== 0
    if (on === this.line) return
    this.line = on
    if (on) {
      if (countPost) this.stats.postedInterrupts++
      this.irq.post(this.name)
    } else this.irq.clear?.(this.name)
  }

  private reg(r: VfReg): number {
    return this.regs[r / 4]
  }

  private setReg(r: VfReg, v: number): void {
    this.regs[r / 4] = v >>> 0
  }

  read(offset: number, size: 1 | 2 | 4): number {
    this.stats.directAccesses++
    const v = this.regs[(offset >>> 2) & (VF_PAGE_SIZE / 4 - 1)]
    if (size === 4) return v
    return (v >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff)
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    this.stats.directAccesses++
    if (size !== 4) return
    switch (offset) {
      case VfReg.Ctrl:
        this.setReg(VfReg.Ctrl, value & 1)
        this.setReg(VfReg.Status, this.reg(VfReg.Status) & ~2)
        if (!(value & 1)) this.reset()
        break
      case VfReg.TxTail:
        // the doorbell: the store reaches the device directly and it starts fetching descriptors at once
        this.setReg(offset, value)
        if (this.enabled) this.serviceTx()
        break
      case VfReg.RxTail:
        this.setReg(offset, value)
        if (this.enabled) this.flushRx()
        break
      case VfReg.TxBase:
      case VfReg.TxSize:
      case VfReg.RxBase:
      case VfReg.RxSize:
        this.setReg(offset, value)
        break
      case VfReg.IrqMask:
        this.setReg(offset, value)
        this.updateLine()
        break
      case VfReg.IrqCause:
        this.setReg(VfReg.IrqCause, this.reg(VfReg.IrqCause) & ~value) // write 1 to clear: the driver's claim
        this.updateLine()
        break
      default:
        break // read-only or reserved
    }
  }

  get enabled(): boolean {
    return (this.reg(VfReg.Ctrl) & 1) === 1
  }

  /** Let the device work: send what the driver queued, fill posted receive buffers. Returns frames moved. */
  service(): number {
    if (!this.enabled) return 0
    return this.serviceTx() + this.flushRx()
  }

  private serviceTx(): number {
    const size = this.reg(VfReg.TxSize)
    if (size === 0) return 0
    let head = this.reg(VfReg.TxHead)
    const tail = this.reg(VfReg.TxTail) % size
    let sent = 0
    try {
      while (head !== tail) {
        const d = this.reg(VfReg.TxBase) + VF_DESC_SIZE * head
        const addr = this.dma.readU32(d)
        const len = this.dma.readU16(d + 8)
        const frame = this.dma.read(addr, len)
        this.tx.transmit(frame)
        this.dma.writeU16(d + 10, VF_DESC_DD)
        this.stats.txFrames++
        sent++
        head = (head + 1) % size
        this.setReg(VfReg.TxHead, head)
      }
    } catch (e) {
      this.dmaError(e)
    }
    if (sent > 0) this.raise(VF_IRQ_TX)
    return sent
  }

  receive(frame: Uint8Array): void {
    if (this.backlog.length >= 256) {
      this.stats.rxDropped++
      return
    }
    this.backlog.push(frame)
    this.flushRx()
  }

  private flushRx(): number {
    const size = this.reg(VfReg.RxSize)
    if (!this.enabled || size === 0) return 0
    let head = this.reg(VfReg.RxHead)
    const tail = this.reg(VfReg.RxTail) % size
    let filled = 0
    try {
      while (this.backlog.length > 0 && head !== tail) {
        const d = this.reg(VfReg.RxBase) + VF_DESC_SIZE * head
        const addr = this.dma.readU32(d)
        const cap = this.dma.readU16(d + 8)
        const frame = this.backlog[0]
        const n = Math.min(cap, frame.length)
        this.dma.write(addr, frame.subarray(0, n))
        this.dma.writeU16(d + 8, n)
        this.dma.writeU16(d + 10, VF_DESC_DD)
        this.backlog.shift()
        this.stats.rxFrames++
        filled++
        head = (head + 1) % size
        this.setReg(VfReg.RxHead, head)
      }
    } catch (e) {
      this.dmaError(e)
    }
    if (filled > 0) this.raise(VF_IRQ_RX)
    return filled
  }

  private dmaError(e: unknown): void {
    if (!(e instanceof DmaFault)) throw e
    this.stats.dmaErrors++
    this.setReg(VfReg.DmaErrors, this.reg(VfReg.DmaErrors) + 1)
    this.setReg(VfReg.Status, this.reg(VfReg.Status) | 2)
    // a real VF stops its queues on a DMA fault until the driver resets it
    this.setReg(VfReg.Ctrl, 0)
  }

  private raise(cause: number): void {
    this.setReg(VfReg.IrqCause, this.reg(VfReg.IrqCause) | cause)
    if (this.reg(VfReg.IrqMask) & cause) {
      // one message per completion event (MSI-style); the interrupt file coalesces while it is pending
      this.stats.postedInterrupts++
      this.line = true
      this.irq.post(this.name)
    }
  }

  saveState(): SriovVfState {
    return { regs: Array.from(this.regs), backlog: this.backlog.map((f) => Array.from(f)) }
  }

  loadState(s: SriovVfState): void {
    this.regs.set(s.regs)
    this.backlog = s.backlog.map((f) => new Uint8Array(f))
    // the interrupt file's pending bit as the registers say (restoring it is no new message)
    this.line = !((this.reg(VfReg.IrqCause) & this.reg(VfReg.IrqMask)) !== 0)
    this.updateLine(false)
  }
}
