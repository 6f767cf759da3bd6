// Block compilation: straight-line runs of RV32IM instructions (up to a jump, a SYSTEM/AMO/FENCE/illegal
// instruction, the end of the page or MAX_BLOCK instructions) become one JS function. Conditional branches are side
// exits. Loads and stores inline the soft-TLB fast path and call the hart's slow paths otherwise, recording which
// instruction was running so a fault stays precise. The hart keeps blocks per virtual pc, checks the physical place
// on every lookup, and drops a page's blocks when something stores to it (self-modifying code).
import { mulh, mulhsu, mulhu, div, divu, rem, remu } from './muldiv'

export const MAX_BLOCK = 64

/** What a block sees: (h, x, r32, r16, r16s, r8, r8s, loadTag, loadOff, storeTag, storeOff, n0) → next pc.
 * `h` is the hart (its slow paths and the fields blkN/blkK/inflight/stopReq/codeDirty). */
export type BlockFn = (
  h: unknown,
  x: Int32Array,
  r32: Int32Array,
  r16: Uint16Array,
  r16s: Int16Array,
  r8: Uint8Array,
  r8s: Int8Array,
  lt: Int32Array,
  lo: Int32Array,
  st: Int32Array,
  so: Int32Array,
  n0: number,
  room: number
) => number

export interface Block {
  fn: BlockFn
  /** Virtual pc of the first instruction. */
  pc: number
  /** RAM offset of the first instruction (the physical place the block was compiled from). */
  phys: number
  /** Instructions in the block when it runs to its end. */
  len: number
}

const PARAMS = ['h', 'x', 'r32', 'r16', 'r16s', 'r8', 'r8s', 'lt', 'lo', 'st', 'so', 'n0', 'room']
/** Replaced by the block length once known. */
const LEN = '__LEN__'
const HELPERS = { mulh, mulhsu, mulhu, div, divu, rem, remu }
const MD = ['Math.imul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu']

const hex = (v: number): string => '0x' + (v >>> 0).toString(16)
const i32 = (v: number): string => String(v | 0)

/** After a slow path: leave the block if the hart must stop or the code under us changed. */
const afterSlow = (idx: number, next: number): string =>
  `if ((h.stopReq | h.codeDirty) !== 0) { h.blkN = done + ${idx + 1}; return ${i32(next)}; }`

/** Before a call that may fault: where we are, for a precise trap (blkK counts completed instructions). */
const mark = (idx: number): string => `h.blkK = done + ${idx}; h.blkI = ${idx}; h.inflight = n0 + done + ${idx};`

/** Leaves the block for `target`, or loops when the target is the block's own start and the budget allows. */
function exitTo(target: number, idx: number, start: number): string {
  if (target === start) {
    return `done += ${idx + 1}; if (done + ${LEN} <= room && h.stopReq === 0) continue; h.blkN = done; return ${i32(target)};`
  }
  return `h.blkN = done + ${idx + 1}; return ${i32(target)};`
}

function emitLoad(f3: number, rd: number, rs1: number, imm: number, idx: number, pc: number): string | null {
  const size = f3 & 3
  if (f3 === 3 || f3 > 5) return null
  const fast =
    size === 0
      ? `${f3 & 4 ? 'r8' : 'r8s'}[(a + lo[i]) | 0]`
      : size === 1
        ? `${f3 & 4 ? 'r16' : 'r16s'}[((a + lo[i]) | 0) >> 1]`
        : `r32[((a + lo[i]) | 0) >> 2]`
  const align = size === 0 ? '' : ` && (a & ${size === 1 ? 1 : 3}) === 0`
  const bytes = size === 0 ? 1 : size === 1 ? 2 : 4
  const slow = `h.loadSlow(a, ${bytes})`
  const ext = f3 === 0 ? `((${slow} << 24) >> 24)` : f3 === 1 ? `((${slow} << 16) >> 16)` : f3 === 2 ? `(${slow} | 0)` : slow
  const dst = rd === 0 ? 'v' : `x[${rd}]`
  return (
    `{ const a = (x[${rs1}] + ${imm}) | 0; const p = a >>> 12; const i = p & 255; let v = 0;` +
    ` if (lt[i] === p${align}) v = ${fast}; else { ${mark(idx)} v = ${ext}; ${dst} = v; ${afterSlow(idx, pc + 4)} }` +
    ` ${rd === 0 ? '' : `x[${rd}] = v;`} }`
  )
}

function emitStore(f3: number, rs2: number, rs1: number, imm: number, idx: number, pc: number): string | null {
  if (f3 > 2) return null
  const fast =
    f3 === 0 ? `r8[(a + so[i]) | 0] = v` : f3 === 1 ? `r16[((a + so[i]) | 0) >> 1] = v` : `r32[((a + so[i]) | 0) >> 2] = v`
  const align = f3 === 0 ? '' : ` && (a & ${f3 === 1 ? 1 : 3}) === 0`
  return (
    `{ const a = (x[${rs1}] + ${imm}) | 0; const v = x[${rs2}]; const p = a >>> 12; const i = p & 255;` +
    ` if (st[i] === p${align}) ${fast}; else { ${mark(idx)} h.storeSlow(a, ${1 << f3}, v); ${afterSlow(idx, pc + 4)} } }`
  )
}

/** Source for one instruction, or null if it must end the block before it (the interpreter runs it).
 * `ends` is set for instructions after which the block stops (jumps). */
function emit(insn: number, pc: number, idx: number, start: number, out: { ends: boolean }): string | null {
  if ((insn & 3) !== 3) return null
  const rd = (insn >> 7) & 31
  const rs1 = (insn >> 15) & 31
  const rs2 = (insn >> 20) & 31
  const f3 = (insn >> 12) & 7
  const f7 = insn >>> 25
  const w = (expr: string): string => (rd === 0 ? '' : `x[${rd}] = ${expr};`)
  switch (insn & 0x7f) {
    case 0x13: {
      const imm = insn >> 20
      switch (f3) {
        case 0:
          return w(`(x[${rs1}] + ${imm}) | 0`)
        case 1:
          return f7 === 0 ? w(`x[${rs1}] << ${imm & 31}`) : null
        case 2:
          return w(`x[${rs1}] < ${imm} ? 1 : 0`)
        case 3:
          return w(`(x[${rs1}] >>> 0) < ${imm >>> 0} ? 1 : 0`)
        case 4:
          return w(`x[${rs1}] ^ ${imm}`)
        case 5:
          return f7 === 0 ? w(`x[${rs1}] >>> ${imm & 31}`) : f7 === 0x20 ? w(`x[${rs1}] >> ${imm & 31}`) : null
        case 6:
          return w(`x[${rs1}] | ${imm}`)
        default:
          return w(`x[${rs1}] & ${imm}`)
      }
    }
    case 0x33: {
      const a = `x[${rs1}]`
      const b = `x[${rs2}]`
      if (f7 === 1) return w(`${MD[f3]}(${a}, ${b})`)
      if (f7 === 0x20) return f3 === 0 ? w(`(${a} - ${b}) | 0`) : f3 === 5 ? w(`${a} >> (${b} & 31)`) : null
      if (f7 !== 0) return null
      const ops = [`(${a} + ${b}) | 0`, `${a} << (${b} & 31)`, `${a} < ${b} ? 1 : 0`, `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`, `${a} ^ ${b}`, `${a} >>> (${b} & 31)`, `${a} | ${b}`, `${a} & ${b}`]
      return w(ops[f3])
    }
    case 0x03:
      return emitLoad(f3, rd, rs1, insn >> 20, idx, pc)
    case 0x23:
      return emitStore(f3, rs2, rs1, ((insn >> 25) << 5) | ((insn >> 7) & 31), idx, pc)
    case 0x37:
      return w(i32(insn & 0xfffff000))
    case 0x17:
      return w(i32(pc + (insn & 0xfffff000)))
    case 0x63: {
      if (f3 === 2 || f3 === 3) return null
      const imm = ((insn >> 31) << 12) | ((insn << 4) & 0x800) | ((insn >>> 20) & 0x7e0) | ((insn >>> 7) & 0x1e)
      const target = (pc + imm) | 0
      if (target & 3) return null
      const a = `x[${rs1}]`
      const b = `x[${rs2}]`
      const cond = [`${a} === ${b}`, `${a} !== ${b}`, '', '', `${a} < ${b}`, `${a} >= ${b}`, `(${a} >>> 0) < (${b} >>> 0)`, `(${a} >>> 0) >= (${b} >>> 0)`][f3]
      return `if (${cond}) { ${exitTo(target, idx, start)} }`
    }
    case 0x6f: {
      const imm = ((insn >> 31) << 20) | (insn & 0xff000) | ((insn >>> 9) & 0x800) | ((insn >>> 20) & 0x7fe)
      const target = (pc + imm) | 0
      if (target & 3) return null
      out.ends = true
      return `${w(i32(pc + 4))} ${exitTo(target, idx, start)}`
    }
    case 0x67: {
      if (f3 !== 0) return null
      out.ends = true
      return (
        `{ const t = ((x[${rs1}] + ${insn >> 20}) | 0) & -2; if (t & 3) { ${mark(idx)} h.raise(0, t); }` +
        ` ${w(i32(pc + 4))} h.blkN = done + ${idx + 1}; return t; }`
      )
    }
    case 0x0f:
      return f3 === 0 ? '' : null // fence: nothing to do; fence.i ends the block (the interpreter runs it)
    default:
      return null
  }
}

/** Compiles the block at virtual `pc` whose words are read by `word(i)` (i-th instruction from pc, same page).
 * Returns null when the first instruction cannot be compiled. */
export function compileBlock(pc: number, phys: number, word: (i: number) => number): Block | null {
  const lines: string[] = []
  const room = (0x1000 - (pc & 0xfff)) >>> 2
  const max = Math.min(MAX_BLOCK, room)
  let len = 0
  let ends = false
  while (len < max && !ends) {
    const at = (pc + len * 4) | 0
    const out = { ends: false }
    const src = emit(word(len), at, len, pc | 0, out)
    if (src === null) break
    lines.push(`/* ${hex(at)} */ ${src}`)
    len++
    ends = out.ends
  }
  if (len === 0) return null
  if (!ends) lines.push(`h.blkN = done + ${len}; return ${i32(pc + len * 4)};`)
  const body = lines.join('\n').split(LEN).join(String(len))
  const factory = new Function(...Object.keys(HELPERS), `return function block_${(pc >>> 0).toString(16)}(${PARAMS.join(', ')}) {\nlet done = 0;\nfor (;;) {\n${body}\n}\n}`)
  const fn = factory(...Object.values(HELPERS)) as BlockFn
  return { fn, pc: pc | 0, phys, len }
}
