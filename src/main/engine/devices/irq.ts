// Interrupt wiring between devices, the PLIC and the hart: a device drives a level on a numbered line.
export interface IrqSink {
  setLevel(irq: number, level: boolean): void
}

/** Reads a sub-word (1, 2 or 4 bytes at byte offset `offset & 3`) out of a 32-bit register value. */
export function subWord(reg: number, offset: number, size: 1 | 2 | 4): number {
  if (size === 4) return reg >>> 0
  const shift = (offset & 3) * 8
  return (reg >>> shift) & (size === 1 ? 0xff : 0xffff)
}

/** Merges a 1/2/4-byte write at `offset` into a 32-bit register value. */
export function mergeSubWord(reg: number, offset: number, size: 1 | 2 | 4, value: number): number {
  if (size === 4) return value >>> 0
  const shift = (offset & 3) * 8
  const mask = (size === 1 ? 0xff : 0xffff) << shift
  return ((reg & ~mask) | ((value << shift) & mask)) >>> 0
}
