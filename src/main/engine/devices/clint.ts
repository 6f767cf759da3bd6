// CLINT (SiFive core-local interruptor) for one hart: msip at 0x0, mtimecmp at 0x4000, mtime at 0xbff8.
// mtime is derived from the virtual cycle count (10 MHz timebase, 1 GHz nominal clock: mtime = cycles / 100),
// plus an offset when the guest writes mtime.
import type { MmioDevice } from '../machine/bus'
import { CYCLES_PER_MTIME_TICK } from '../machine/board'
import { subWord, mergeSubWord } from './irq'

export interface ClintState {
  msip: number
  mtimecmpLo: number
  mtimecmpHi: number
  mtimeOffset: number
}

export interface ClintOutputs {
  /** Current virtual cycle count. */
  cycles(): number
  setMsip(level: boolean): void
  setMtip(level: boolean): void
  /** mtimecmp changed: the owner re-plans when to call update(). */
  timerChanged(): void
}

export class Clint implements MmioDevice {
  private msip = 0
  private cmpLo = 0xffffffff
  private cmpHi = 0xffffffff
  private offset = 0

  constructor(private readonly out: ClintOutputs) {}

  mtime(): number {
    return Math.floor(this.out.cycles() / CYCLES_PER_MTIME_TICK) + this.offset
  }

  mtimecmp(): number {
    return this.cmpHi * 0x1_0000_0000 + this.cmpLo
  }

  /** The cycle count at which MTIP rises (Infinity if never, <= now if already). */
  deadlineCycles(): number {
    if (this.cmpHi === 0xffffffff) return Infinity
    return (this.mtimecmp() - this.offset) * CYCLES_PER_MTIME_TICK
  }

  /** Re-evaluates MTIP against the current time. */
  update(): void {
    this.out.setMtip(this.mtime() >= this.mtimecmp())
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const w = offset & ~3
    let reg = 0
    if (w === 0) reg = this.msip
    else if (w === 0x4000) reg = this.cmpLo
    else if (w === 0x4004) reg = this.cmpHi
    else if (w === 0xbff8 || w === 0xbffc) {
      const t = this.mtime()
      reg = w === 0xbff8 ? t % 0x1_0000_0000 : Math.floor(t / 0x1_0000_0000)
    }
    return subWord(reg, offset, size)
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const w = offset & ~3
    if (w === 0) {
      this.msip = mergeSubWord(this.msip, offset, size, value) & 1
      this.out.setMsip(this.msip !== 0)
    } else if (w === 0x4000 || w === 0x4004) {
      if (w === 0x4000) this.cmpLo = mergeSubWord(this.cmpLo, offset, size, value)
      else this.cmpHi = mergeSubWord(this.cmpHi, offset, size, value)
      this.update()
      this.out.timerChanged()
    } else if (w === 0xbff8 || w === 0xbffc) {
      const t = this.mtime()
      let lo = t % 0x1_0000_0000
      let hi = Math.floor(t / 0x1_0000_0000)
      if (w === 0xbff8) lo = mergeSubWord(lo, offset, size, value)
      else hi = mergeSubWord(hi, offset, size, value)
      this.offset += hi * 0x1_0000_0000 + lo - t
      this.update()
      this.out.timerChanged()
    }
  }

  saveState(): ClintState {
    return { msip: this.msip, mtimecmpLo: this.cmpLo, mtimecmpHi: this.cmpHi, mtimeOffset: this.offset }
  }

  loadState(s: ClintState): void {
    this.msip = s.msip
    this.cmpLo = s.mtimecmpLo
    this.cmpHi = s.mtimecmpHi
    this.offset = s.mtimeOffset
    this.out.setMsip(this.msip !== 0)
    this.update()
    this.out.timerChanged()
  }
}
