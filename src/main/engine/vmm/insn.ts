// Decoding the instructions the VMM has to emulate: privileged SYSTEM instructions (CSR access, sret, wfi,
// sfence.vma) and the loads/stores/AMOs that hit an emulated device or a write-protected guest page table.
// RV32 base encodings only (the guest is built without the C extension).

export type CsrOp = 'rw' | 'rs' | 'rc'

export type SystemInsn =
  | { kind: 'csr'; op: CsrOp; rd: number; csr: number; /** register number, or the zero-extended immediate */ src: number; imm: boolean }
  | { kind: 'sret' }
  | { kind: 'mret' }
  | { kind: 'wfi' }
  | { kind: 'sfence'; rs1: number; rs2: number }
  | { kind: 'ecall' }
  | { kind: 'ebreak' }

export type AmoOp = 'lr' | 'sc' | 'swap' | 'add' | 'xor' | 'and' | 'or' | 'min' | 'max' | 'minu' | 'maxu'

export type MemInsn =
  | { kind: 'load'; size: 1 | 2 | 4; signed: boolean; rd: number; rs1: number; imm: number }
  | { kind: 'store'; size: 1 | 2 | 4; rs1: number; rs2: number; imm: number }
  | { kind: 'amo'; op: AmoOp; rd: number; rs1: number; rs2: number }

const OP_SYSTEM = 0x73
const OP_LOAD = 0x03
const OP_STORE = 0x23
const OP_AMO = 0x2f

export function decodeSystem(insn: number): SystemInsn | null {
  insn >>>= 0
  if ((insn & 0x7f) !== OP_SYSTEM) return null
  const rd = (insn >>> 7) & 31
  const f3 = (insn >>> 12) & 7
  const rs1 = (insn >>> 15) & 31
  if (f3 === 0) {
    if (insn === 0x00000073) return { kind: 'ecall' }
    if (insn === 0x00100073) return { kind: 'ebreak' }
    if (insn === 0x10200073) return { kind: 'sret' }
    if (insn === 0x30200073) return { kind: 'mret' }
    if (insn === 0x10500073) return { kind: 'wfi' }
    if (insn >>> 25 === 0x09 && rd === 0) return { kind: 'sfence', rs1, rs2: (insn >>> 20) & 31 }
    return null
  }
  if (f3 === 4) return null
  const op: CsrOp = (['rw', 'rs', 'rc'] as const)[(f3 & 3) - 1]
  return { kind: 'csr', op, rd, csr: insn >>> 20, src: rs1, imm: (f3 & 4) !== 0 }
}

const AMO_OPS: Record<number, AmoOp> = {
  0x02: 'lr',
  0x03: 'sc',
  0x01: 'swap',
  0x00: 'add',
  0x04: 'xor',
  0x0c: 'and',
  0x08: 'or',
  0x10: 'min',
  0x14: 'max',
  0x18: 'minu',
  0x1c: 'maxu'
}

export function decodeMem(insn: number): MemInsn | null {
  insn >>>= 0
  const opcode = insn & 0x7f
  const f3 = (insn >>> 12) & 7
  const rd = (insn >>> 7) & 31
  const rs1 = (insn >>> 15) & 31
  const rs2 = (insn >>> 20) & 31
  if (opcode === OP_LOAD) {
    const size = ([1, 2, 4, 0, 1, 2, 0, 0] as const)[f3]
    if (size === 0) return null
    return { kind: 'load', size, signed: f3 < 4, rd, rs1, imm: (insn | 0) >> 20 }
  }
  if (opcode === OP_STORE) {
    if (f3 > 2) return null
    const imm = (((insn | 0) >> 25) << 5) | ((insn >>> 7) & 31)
    return { kind: 'store', size: ([1, 2, 4] as const)[f3], rs1, rs2, imm }
  }
  if (opcode === OP_AMO && f3 === 2) {
    const op = AMO_OPS[insn >>> 27]
    if (op === undefined) return null
    return { kind: 'amo', op, rd, rs1, rs2 }
  }
  return null
}

/** The value an AMO stores, given the old memory value and rs2 (both unsigned 32-bit). */
export function amoResult(op: AmoOp, old: number, src: number): number {
  switch (op) {
    case 'swap':
      return src >>> 0
    case 'add':
      return (old + src) >>> 0
    case 'xor':
      return (old ^ src) >>> 0
    case 'and':
      return (old & src) >>> 0
    case 'or':
      return (old | src) >>> 0
    case 'min':
      return ((old | 0) < (src | 0) ? old : src) >>> 0
    case 'max':
      return ((old | 0) > (src | 0) ? old : src) >>> 0
    case 'minu':
      return (old >>> 0 < src >>> 0 ? old : src) >>> 0
    case 'maxu':
      return (old >>> 0 > src >>> 0 ? old : src) >>> 0
    default:
      return old >>> 0
  }
}

/** Sign- or zero-extends a loaded value to an unsigned 32-bit register value. */
export function extendLoad(value: number, size: 1 | 2 | 4, signed: boolean): number {
  if (size === 4 || !signed) return value >>> 0
  const shift = 32 - size * 8
  return ((value << shift) >> shift) >>> 0
}
