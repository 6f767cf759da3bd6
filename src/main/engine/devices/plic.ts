// PLIC (SiFive platform-level interrupt controller) as on QEMU virt, one hart with two contexts:
// context 0 = M-mode (drives MEIP), context 1 = S-mode (drives SEIP). Level-triggered sources 1..NUM_SOURCES-1.
// Layout: priority 4*src, pending bits 0x1000, enables 0x2000 + 0x80*ctx, threshold 0x200000 + 0x1000*ctx,
// claim/complete at threshold + 4.
import type { MmioDevice } from '../machine/bus'
import { subWord, mergeSubWord, type IrqSink } from './irq'

export const PLIC_NUM_SOURCES = 96
export const PLIC_CONTEXTS = 2
const WORDS = PLIC_NUM_SOURCES / 32
const PRIORITY_MASK = 7

export interface PlicState {
  priority: number[]
  level: number[]
  pending: number[]
  claimed: number[]
  enable: number[][]
  threshold: number[]
}

export class Plic implements MmioDevice, IrqSink {
  private priority = new Uint32Array(PLIC_NUM_SOURCES)
  private level = new Uint32Array(WORDS)
  private pending = new Uint32Array(WORDS)
  private claimed = new Uint32Array(WORDS)
  private enable = [new Uint32Array(WORDS), new Uint32Array(WORDS)]
  private threshold = new Uint32Array(PLIC_CONTEXTS)

  /** `output(ctx, level)` drives MEIP (ctx 0) / SEIP (ctx 1) of the hart. */
  constructor(private readonly output: (ctx: number, level: boolean) => void) {}

  setLevel(irq: number, level: boolean): void {
    if (irq <= 0 || irq >= PLIC_NUM_SOURCES) return
    const w = irq >>> 5
    const bit = 1 << (irq & 31)
    if (level) {
      this.level[w] |= bit
      if (!(this.claimed[w] & bit)) this.pending[w] |= bit
    } else {
      this.level[w] &= ~bit
      this.pending[w] &= ~bit
    }
    this.updateOutputs()
  }

  /** Highest-priority pending, enabled source above the context's threshold (lowest id wins ties), or 0. */
  best(ctx: number): number {
    let bestId = 0
    let bestPrio = this.threshold[ctx]
    for (let w = 0; w < WORDS; w++) {
      let bits = this.pending[w] & this.enable[ctx][w]
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits)
        bits &= bits - 1
        const id = w * 32 + b
        if (this.priority[id] > bestPrio) {
          bestPrio = this.priority[id]
          bestId = id
        }
      }
    }
    return bestId
  }

  private updateOutputs(): void {
    for (let ctx = 0; ctx < PLIC_CONTEXTS; ctx++) this.output(ctx, this.best(ctx) !== 0)
  }

  private claim(ctx: number): number {
    const id = this.best(ctx)
    if (id !== 0) {
      const bit = 1 << (id & 31)
      this.pending[id >>> 5] &= ~bit
      this.claimed[id >>> 5] |= bit
      this.updateOutputs()
    }
    return id
  }

  private complete(id: number): void {
    if (id <= 0 || id >= PLIC_NUM_SOURCES) return
    const w = id >>> 5
    const bit = 1 << (id & 31)
    this.claimed[w] &= ~bit
    if (this.level[w] & bit) this.pending[w] |= bit
    this.updateOutputs()
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const w = offset & ~3
    let reg = 0
    if (w < 0x1000) {
      const id = w >>> 2
      reg = id < PLIC_NUM_SOURCES ? this.priority[id] : 0
    } else if (w < 0x1000 + WORDS * 4) {
      reg = this.pending[(w - 0x1000) >>> 2]
    } else if (w >= 0x2000 && w < 0x2000 + PLIC_CONTEXTS * 0x80) {
      const ctx = (w - 0x2000) >>> 7
      const i = ((w - 0x2000) & 0x7f) >>> 2
      reg = i < WORDS ? this.enable[ctx][i] : 0
    } else if (w >= 0x200000 && w < 0x200000 + PLIC_CONTEXTS * 0x1000) {
      const ctx = (w - 0x200000) >>> 12
      const r = w & 0xfff
      if (r === 0) reg = this.threshold[ctx]
      else if (r === 4) reg = this.claim(ctx)
    }
    return subWord(reg, offset, size)
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const w = offset & ~3
    if (w < 0x1000) {
      const id = w >>> 2
      if (id > 0 && id < PLIC_NUM_SOURCES) {
        this.priority[id] = mergeSubWord(this.priority[id], offset, size, value) & PRIORITY_MASK
      }
    } else if (w >= 0x2000 && w < 0x2000 + PLIC_CONTEXTS * 0x80) {
      const ctx = (w - 0x2000) >>> 7
      const i = ((w - 0x2000) & 0x7f) >>> 2
      if (i < WORDS) this.enable[ctx][i] = mergeSubWord(this.enable[ctx][i], offset, size, value) & (i === 0 ? ~1 : ~0)
    } else if (w >= 0x200000 && w < 0x200000 + PLIC_CONTEXTS * 0x1000) {
      const ctx = (w - 0x200000) >>> 12
      const r = w & 0xfff
      if (r === 0) this.threshold[ctx] = mergeSubWord(this.threshold[ctx], offset, size, value) & PRIORITY_MASK
      else if (r === 4) this.complete(mergeSubWord(0, offset, size, value))
    }
    this.updateOutputs()
  }

  saveState(): PlicState {
    return {
      priority: Array.from(this.priority),
      level: Array.from(this.level),
      pending: Array.from(this.pending),
      claimed: Array.from(this.claimed),
      enable: this.enable.map((e) => Array.from(e)),
      threshold: Array.from(this.threshold)
    }
  }

  loadState(s: PlicState): void {
    this.priority.set(s.priority)
    this.level.set(s.level)
    this.pending.set(s.pending)
    this.claimed.set(s.claimed)
    s.enable.forEach((e, i) => this.enable[i].set(e))
    this.threshold.set(s.threshold)
    this.updateOutputs()
  }
}
