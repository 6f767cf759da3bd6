// The legacy path: a simple register-programmed NIC in the style of the NICs hypervisors emulated first. Every
// register access is a trapped MMIO access (a VM exit to the VMM, forwarded to the user-space device model); the
// device copies one frame at a time from/to guest memory.
//
// Registers (32-bit):
//   0x00 CTRL (bit0 enable)   0x04 STATUS (bit0 link, bit1 rx frame waiting)   0x08 MAC_LO  0x0c MAC_HI
//   0x10 TX_ADDR  0x14 TX_LEN  0x18 TX_GO (write: send the frame now)
//   0x20 RX_ADDR  0x24 RX_CAP  0x28 RX_LEN (read: length of the frame copied to RX_ADDR, 0 = none)
//   0x2c RX_DONE (write: the driver consumed it; the next waiting frame is copied in)
//   0x30 IRQ_STATUS (bit0 tx done, bit1 rx)   0x34 IRQ_ACK (write 1s to clear)   0x38 IRQ_MASK
import { DmaFault, type DmaSpace, type IrqLine, type MmioDevice } from '../virtio/dma'
import type { FrameRx, FrameTx, Mac } from '../../network/frame'

export const EMU_NIC_SIZE = 0x1000
export const EMU_IRQ_TX = 1
export const EMU_IRQ_RX = 2

export const enum EmuReg {
  Ctrl = 0x00,
  Status = 0x04,
  MacLo = 0x08,
  MacHi = 0x0c,
  TxAddr = 0x10,
  TxLen = 0x14,
  TxGo = 0x18,
  RxAddr = 0x20,
  RxCap = 0x24,
  RxLen = 0x28,
  RxDone = 0x2c,
  IrqStatus = 0x30,
  IrqAck = 0x34,
  IrqMask = 0x38
}

export interface EmulatedNicStats {
  txFrames: number
  rxFrames: number
  rxDropped: number
  /** Every guest register access: each one is a trapped exit in a VM. */
  registerAccesses: number
  dmaErrors: number
}

/** Registers and frames waiting for the receive buffer, as plain data (snapshots, migration). */
export interface EmulatedNicState {
  regs: number[]
  backlog: number[][]
  stats: EmulatedNicStats
}

export class EmulatedNic implements MmioDevice, FrameRx {
  readonly size = EMU_NIC_SIZE
  private ctrl = 0
  private txAddr = 0
  private txLen = 0
  private rxAddr = 0
  private rxCap = 0
  private rxLen = 0
  private irqStatus = 0
  private irqMask = 0
  private backlog: Uint8Array[] = []
  readonly stats: EmulatedNicStats = { txFrames: 0, rxFrames: 0, rxDropped: 0, registerAccesses: 0, dmaErrors: 0 }

  constructor(
    readonly name: string,
    readonly mac: Mac,
    private readonly mem: DmaSpace,
    private tx: FrameTx,
    private readonly irq: IrqLine
  ) {}

  connect(tx: FrameTx): void {
    this.tx = tx
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    this.stats.registerAccesses++
    switch (offset) {
      case EmuReg.Ctrl:
        return this.ctrl
      case EmuReg.Status:
        return 1 | (this.rxLen > 0 ? 2 : 0)
      case EmuReg.MacLo:
        return (this.mac[0] | (this.mac[1] << 8) | (this.mac[2] << 16) | (this.mac[3] << 24)) >>> 0
      case EmuReg.MacHi:
        return this.mac[4] | (this.mac[5] << 8)
      case EmuReg.RxLen:
        return this.rxLen
      case EmuReg.IrqStatus:
        return this.irqStatus
      case EmuReg.IrqMask:
        return this.irqMask
      default:
        return 0
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    this.stats.registerAccesses++
    value >>>= 0
    switch (offset) {
      case EmuReg.Ctrl:
        this.ctrl = value & 1
        if (!this.ctrl) {
          this.backlog = []
          this.rxLen = 0
        }
        break
      case EmuReg.TxAddr:
        this.txAddr = value
        break
      case EmuReg.TxLen:
        this.txLen = value & 0xffff
        break
      case EmuReg.TxGo:
        this.transmit()
        break
      case EmuReg.RxAddr:
        this.rxAddr = value
        break
      case EmuReg.RxCap:
        this.rxCap = value & 0xffff
        this.fillRx()
        break
      case EmuReg.RxDone:
        this.rxLen = 0
        this.fillRx()
        break
      case EmuReg.IrqAck:
        this.irqStatus &= ~value
        this.updateIrq()
        break
      case EmuReg.IrqMask:
        this.irqMask = value & 3
        this.updateIrq()
        break
      default:
        break
    }
  }

  private transmit(): void {
    if (!this.ctrl) return
    try {
      const frame = this.mem.read(this.txAddr, this.txLen)
      this.stats.txFrames++
      this.tx.transmit(frame)
      this.irqStatus |= EMU_IRQ_TX
    } catch (e) {
      if (!(e instanceof DmaFault)) throw e
      this.stats.dmaErrors++
    }
    this.updateIrq()
  }

  receive(frame: Uint8Array): void {
    if (!this.ctrl) return
    if (this.backlog.length >= 64) {
      this.stats.rxDropped++
      return
    }
    this.backlog.push(frame)
    this.fillRx()
  }

  private fillRx(): void {
    if (!this.ctrl || this.rxLen > 0 || this.rxCap === 0 || this.backlog.length === 0) return
    const frame = this.backlog.shift() as Uint8Array
    const n = Math.min(frame.length, this.rxCap)
    try {
      this.mem.write(this.rxAddr, frame.subarray(0, n))
      this.rxLen = n
      this.stats.rxFrames++
      this.irqStatus |= EMU_IRQ_RX
    } catch (e) {
      if (!(e instanceof DmaFault)) throw e
      this.stats.dmaErrors++
    }
    this.updateIrq()
  }

  private updateIrq(): void {
    this.irq.set((this.irqStatus & this.irqMask) !== 0)
  }

  saveState(): EmulatedNicState {
    const regs = [this.ctrl, this.txAddr, this.txLen, this.rxAddr, this.rxCap, this.rxLen, this.irqStatus, this.irqMask]
    return { regs, backlog: this.backlog.map((f) => Array.from(f)), stats: { ...this.stats } }
  }

  loadState(s: EmulatedNicState): void {
    ;[this.ctrl, this.txAddr, this.txLen, this.rxAddr, this.rxCap, this.rxLen, this.irqStatus, this.irqMask] = s.regs
    this.backlog = s.backlog.map((f) => new Uint8Array(f))
    Object.assign(this.stats, s.stats)
    this.updateIrq()
  }
}
