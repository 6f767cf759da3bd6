// Tiny RV32 encoder for tests: builds instruction words from fields, so tests execute real machine code.
const u = (v: number): number => v >>> 0
export const rType = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  u((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op)
export const iType = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  u(((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op)
export const sType = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  u((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | op)
export const bType = (imm: number, rs2: number, rs1: number, f3: number): number =>
  u(
    (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
      (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63
  )
export const jal = (rd: number, imm: number): number =>
  u((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) | (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f)

export const lui = (rd: number, imm20: number): number => u((imm20 << 12) | (rd << 7) | 0x37)
export const auipc = (rd: number, imm20: number): number => u((imm20 << 12) | (rd << 7) | 0x17)
export const addi = (rd: number, rs1: number, imm: number): number => iType(imm, rs1, 0, rd, 0x13)
export const jalr = (rd: number, rs1: number, imm: number): number => iType(imm, rs1, 0, rd, 0x67)
export const op = (name: string, rd: number, rs1: number, rs2: number): number => {
  const t: Record<string, [number, number]> = {
    add: [0, 0], sub: [0x20, 0], sll: [0, 1], slt: [0, 2], sltu: [0, 3], xor: [0, 4], srl: [0, 5], sra: [0x20, 5],
    or: [0, 6], and: [0, 7], mul: [1, 0], mulh: [1, 1], mulhsu: [1, 2], mulhu: [1, 3], div: [1, 4], divu: [1, 5],
    rem: [1, 6], remu: [1, 7]
  }
  const [f7, f3] = t[name]
  return rType(f7, rs2, rs1, f3, rd, 0x33)
}
export const load = (f3: number, rd: number, rs1: number, imm: number): number => iType(imm, rs1, f3, rd, 0x03)
export const lw = (rd: number, rs1: number, imm: number): number => load(2, rd, rs1, imm)
export const store = (f3: number, rs2: number, rs1: number, imm: number): number => sType(imm, rs2, rs1, f3, 0x23)
export const sw = (rs2: number, rs1: number, imm: number): number => store(2, rs2, rs1, imm)
export const beq = (rs1: number, rs2: number, imm: number): number => bType(imm, rs2, rs1, 0)
export const bne = (rs1: number, rs2: number, imm: number): number => bType(imm, rs2, rs1, 1)
export const csrrw = (rd: number, csr: number, rs1: number): number => iType(csr, rs1, 1, rd, 0x73)
export const csrrs = (rd: number, csr: number, rs1: number): number => iType(csr, rs1, 2, rd, 0x73)
export const csrr = (rd: number, csr: number): number => csrrs(rd, csr, 0)
export const amo = (f5: number, rd: number, rs1: number, rs2: number): number => rType(f5 << 2, rs2, rs1, 2, rd, 0x2f)
export const ECALL = 0x00000073
export const EBREAK = 0x00100073
export const MRET = 0x30200073
export const SRET = 0x10200073
export const WFI = 0x10500073
export const SFENCE_VMA = 0x12000073
export const FENCE_I = 0x0000100f

/** li rd, value as lui + addi. */
export function li(rd: number, value: number): number[] {
  const lo = (value << 20) >> 20
  const hi = ((value - lo) >>> 12) & 0xfffff
  return [lui(rd, hi), addi(rd, rd, lo)]
}
