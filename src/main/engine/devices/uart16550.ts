// ns16550a UART as on QEMU virt (byte registers at stride 1). Transmission is instantaneous (THRE/TEMT always set
// after a write); received bytes wait in an rx FIFO fed by input(). The interrupt line goes to the PLIC.
import type { MmioDevice } from '../machine/bus'

const LSR_DR = 0x01
const LSR_THRE = 0x20
const LSR_TEMT = 0x40
const IER_RDI = 0x01
const IER_THRI = 0x02
const IIR_NONE = 0x01
const IIR_THRI = 0x02
const IIR_RDI = 0x04
const LCR_DLAB = 0x80
/** Bytes kept in the receive queue before further input is dropped (the real chip has 16; we let the user type
 * ahead a little more). */
export const UART_RX_CAPACITY = 4096

export interface UartState {
  ier: number
  lcr: number
  mcr: number
  scr: number
  fcr: number
  dll: number
  dlm: number
  thrPending: boolean
  rx: number[]
}

export class Uart16550 implements MmioDevice {
  private ier = 0
  private lcr = 0
  private mcr = 0
  private scr = 0
  private fcr = 0
  private dll = 0
  private dlm = 0
  private thrPending = false
  private rx: number[] = []
  private rxHead = 0

  constructor(
    private readonly onTx: (byte: number) => void,
    private readonly setIrq: (level: boolean) => void
  ) {}

  /** Bytes typed on the serial line. Returns how many were accepted. */
  input(bytes: Uint8Array | number[]): number {
    let n = 0
    for (const b of bytes) {
      if (this.rx.length - this.rxHead >= UART_RX_CAPACITY) break
      this.rx.push(b & 0xff)
      n++
    }
    this.update()
    return n
  }

  rxCount(): number {
    return this.rx.length - this.rxHead
  }

  private update(): void {
    this.setIrq(this.iir() !== IIR_NONE)
  }

  private iir(): number {
    if (this.ier & IER_RDI && this.rxCount() > 0) return IIR_RDI
    if (this.ier & IER_THRI && this.thrPending) return IIR_THRI
    return IIR_NONE
  }

  read(offset: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0
    switch (offset) {
      case 0: {
        if (dlab) return this.dll
        if (this.rxCount() === 0) return 0
        const b = this.rx[this.rxHead++]
        if (this.rxHead > 1024 && this.rxHead * 2 > this.rx.length) {
          this.rx = this.rx.slice(this.rxHead)
          this.rxHead = 0
        }
        this.update()
        return b
      }
      case 1:
        return dlab ? this.dlm : this.ier
      case 2: {
        const id = this.iir()
        if (id === IIR_THRI) {
          this.thrPending = false
          this.update()
        }
        return id | (this.fcr & 1 ? 0xc0 : 0)
      }
      case 3:
        return this.lcr
      case 4:
        return this.mcr
      case 5:
        return LSR_THRE | LSR_TEMT | (this.rxCount() > 0 ? LSR_DR : 0)
      case 6:
        return 0xb0 // MSR: DCD, DSR, CTS asserted, as QEMU reports with a connected chardev
      case 7:
        return this.scr
      default:
        return 0
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    value &= 0xff
    const dlab = (this.lcr & LCR_DLAB) !== 0
    switch (offset) {
      case 0:
        if (dlab) this.dll = value
        else {
          this.onTx(value)
          this.thrPending = true
          this.update()
        }
        break
      case 1:
        if (dlab) this.dlm = value
        else {
          const was = this.ier
          this.ier = value & 0x0f
          if (!(was & IER_THRI) && this.ier & IER_THRI) this.thrPending = true
          this.update()
        }
        break
      case 2:
        this.fcr = value & 0xc9
        if (value & 0x02) {
          this.rx = []
          this.rxHead = 0
        }
        this.update()
        break
      case 3:
        this.lcr = value
        break
      case 4:
        this.mcr = value & 0x1f
        break
      case 7:
        this.scr = value
        break
    }
  }

  saveState(): UartState {
    return {
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      scr: this.scr,
      fcr: this.fcr,
      dll: this.dll,
      dlm: this.dlm,
      thrPending: this.thrPending,
      rx: this.rx.slice(this.rxHead)
    }
  }

  loadState(s: UartState): void {
    this.ier = s.ier
    this.lcr = s.lcr
    this.mcr = s.mcr
    this.scr = s.scr
    this.fcr = s.fcr
    this.dll = s.dll
    this.dlm = s.dlm
    this.thrPending = s.thrPending
    this.rx = s.rx.slice()
    this.rxHead = 0
    this.update()
  }
}
