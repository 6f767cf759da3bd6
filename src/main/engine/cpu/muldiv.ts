// 32x32 → high 32 bits products and the RISC-V division rules (no traps: x/0 and overflow have defined results).

/** High word of the unsigned 64-bit product, as a signed int32 bit pattern. */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff
  const ah = a >>> 16
  const bl = b & 0xffff
  const bh = b >>> 16
  const ll = al * bl
  const lh = al * bh
  const hl = ah * bl
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff)
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000)) | 0
}

export function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0
}

/** a signed, b unsigned. */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0
}

export function div(a: number, b: number): number {
  if (b === 0) return -1
  if (a === -0x80000000 && b === -1) return a
  return (a / b) | 0
}

export function divu(a: number, b: number): number {
  if (b === 0) return -1
  return ((a >>> 0) / (b >>> 0)) | 0
}

export function rem(a: number, b: number): number {
  if (b === 0) return a
  if (a === -0x80000000 && b === -1) return 0
  return a % b | 0
}

export function remu(a: number, b: number): number {
  if (b === 0) return a
  return (a >>> 0) % (b >>> 0) | 0
}
