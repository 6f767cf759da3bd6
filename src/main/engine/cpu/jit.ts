// Block compilation: a region of RV32IM instructions in one page (straight-line code, and the if/else arms and
// loops whose branch targets fall inside it; it ends at a SYSTEM/AMO/FENCE.I/illegal instruction, the end of the
// page, MAX_BLOCK instructions, or an unconditional jump with no pending forward branch past it) becomes one JS
// function. Guest registers live in JS locals inside the function (loaded on entry, written back on every exit
// and before every call that may trap). Branches to targets inside the region jump there through a switch on the
// basic block (within the instruction budget, so timer deadlines stay exact); other targets leave the function.
// Loads and stores inline the soft-TLB fast path and call the hart's slow paths otherwise, recording which
// instruction was running so a fault stays precise. The hart keeps blocks per virtual pc, checks the physical
// place on every lookup, and drops a page's blocks when something stores to it (self-modifying code).
// Compiled functions depend only on the pc and the instruction words, so identical code (another VM booting the same kernel, code
// recompiled after a data write on its page) reuses the function from a bounded cache.
import { mulh, mulhsu, mulhu, div, divu, rem, remu } from './muldiv'

export const MAX_BLOCK = 128

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
const HELPERS = { mulh, mulhsu, mulhu, div, divu, rem, remu }
const MD = ['Math.imul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu']
/** Compiled functions by pc and instruction words (what the source is made from; see the header); cleared when
 * it reaches this size. */
const CACHE_LIMIT = 20_000
const fnCache = new Map<string, BlockFn>()

const hex = (v: number): string => '0x' + (v >>> 0).toString(16)
const i32 = (v: number): string => String(v | 0)

/** Control flow of one instruction: plain (falls through), branch (conditional), jal, jalr. */
type Flow = 'plain' | 'branch' | 'jal' | 'jalr'

interface Scanned {
  flow: Flow
  /** Branch/jal target (virtual pc). */
  target: number
}

function branchImm(insn: number): number {
  return ((insn >> 31) << 12) | ((insn << 4) & 0x800) | ((insn >>> 20) & 0x7e0) | ((insn >>> 7) & 0x1e)
}

function jalImm(insn: number): number {
  return ((insn >> 31) << 20) | (insn & 0xff000) | ((insn >>> 9) & 0x800) | ((insn >>> 20) & 0x7fe)
}

/** Whether `insn` can be compiled, and how it transfers control; null ends the region before it. */
function scan(insn: number, pc: number): Scanned | null {
  if ((insn & 3) !== 3) return null
  const f3 = (insn >> 12) & 7
  const f7 = insn >>> 25
  switch (insn & 0x7f) {
    case 0x13:
      if (f3 === 1 && f7 !== 0) return null
      if (f3 === 5 && f7 !== 0 && f7 !== 0x20) return null
      return { flow: 'plain', target: 0 }
    case 0x33:
      if (f7 === 1 || f7 === 0 || (f7 === 0x20 && (f3 === 0 || f3 === 5))) return { flow: 'plain', target: 0 }
      return null
    case 0x03:
      return f3 === 3 || f3 > 5 ? null : { flow: 'plain', target: 0 }
    case 0x23:
      return f3 > 2 ? null : { flow: 'plain', target: 0 }
    case 0x37:
    case 0x17:
      return { flow: 'plain', target: 0 }
    case 0x63: {
      if (f3 === 2 || f3 === 3) return null
      const target = (pc + branchImm(insn)) | 0
      return target & 3 ? null : { flow: 'branch', target }
    }
    case 0x6f: {
      const target = (pc + jalImm(insn)) | 0
      return target & 3 ? null : { flow: 'jal', target }
    }
    case 0x67:
      return f3 === 0 ? { flow: 'jalr', target: 0 } : null
    case 0x0f:
      return f3 === 0 ? { flow: 'plain', target: 0 } : null // fence.i ends the region (the interpreter runs it)
    default:
      return null
  }
}

/** Emits one region: registers as locals, basic blocks as switch cases. */
class Emitter {
  private readonly used = new Set<number>()
  private readonly written = new Set<number>()
  /** Instruction index of the current basic block's first instruction. */
  bb = 0

  constructor(
    private readonly start: number,
    private readonly len: number,
    private readonly leaders: Set<number>
  ) {}

  r(n: number): string {
    if (n === 0) return '0'
    this.used.add(n)
    return `x${n}`
  }

  w(n: number, expr: string): string {
    if (n === 0) return ''
    this.used.add(n)
    this.written.add(n)
    return `x${n} = (${expr}) | 0;`
  }

  /** Instructions completed before instruction `idx`, as an expression. */
  before(idx: number): string {
    return `done + ${idx - this.bb}`
  }

  /** Marker replaced by the write-back of every written register once the whole region is known. */
  static readonly SPILL = '/*spill*/'

  /** Before a call that may trap: where we are (blkK: completed, blkI: index) and registers written back. */
  mark(idx: number): string {
    return `h.blkK = ${this.before(idx)}; h.blkI = ${idx}; h.inflight = n0 + ${this.before(idx)}; ${Emitter.SPILL}`
  }

  /** Leave the function after instruction `idx` for virtual pc `target`. */
  leave(idx: number, target: string): string {
    return `h.blkN = ${this.before(idx)} + 1; ${Emitter.SPILL} return ${target};`
  }

  /** After instruction `idx`, continue at `target`: inside the region while the budget allows, else leave. */
  goTo(idx: number, target: number): string {
    const t = (target - this.start) / 4
    if (t >= 0 && t < this.len && this.leaders.has(t)) {
      return `done += ${idx - this.bb + 1}; if (done + ${this.len - t} <= room && h.stopReq === 0) { k = ${t}; continue; } h.blkN = done; ${Emitter.SPILL} return ${i32(target)};`
    }
    return this.leave(idx, i32(target))
  }

  afterSlow(idx: number, next: number): string {
    return `if ((h.stopReq | h.codeDirty) !== 0) { ${this.leave(idx, i32(next))} }`
  }

  load(f3: number, rd: number, rs1: number, imm: number, idx: number, pc: number): string {
    const size = f3 & 3
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
    return (
      `{ const a = (${this.r(rs1)} + ${imm}) | 0; const p = a >>> 12; const i = p & 255; let v = 0;` +
      ` if (lt[i] === p${align}) v = ${fast}; else { ${this.mark(idx)} v = ${ext}; ${this.w(rd, 'v')} ${this.afterSlow(idx, pc + 4)} }` +
      ` ${this.w(rd, 'v')} }`
    )
  }

  store(f3: number, rs2: number, rs1: number, imm: number, idx: number, pc: number): string {
    const fast =
      f3 === 0 ? `r8[(a + so[i]) | 0] = v` : f3 === 1 ? `r16[((a + so[i]) | 0) >> 1] = v` : `r32[((a + so[i]) | 0) >> 2] = v`
    const align = f3 === 0 ? '' : ` && (a & ${f3 === 1 ? 1 : 3}) === 0`
    return (
      `{ const a = (${this.r(rs1)} + ${imm}) | 0; const v = ${this.r(rs2)}; const p = a >>> 12; const i = p & 255;` +
      ` if (st[i] === p${align}) ${fast}; else { ${this.mark(idx)} h.storeSlow(a, ${1 << f3}, v); ${this.afterSlow(idx, pc + 4)} } }`
    )
  }

  /** Source for instruction `idx` (already known to compile: see scan). */
  insn(insn: number, pc: number, idx: number): string {
    const rd = (insn >> 7) & 31
    const rs1 = (insn >> 15) & 31
    const rs2 = (insn >> 20) & 31
    const f3 = (insn >> 12) & 7
    const f7 = insn >>> 25
    const w = (expr: string): string => this.w(rd, expr)
    switch (insn & 0x7f) {
      case 0x13: {
        const imm = insn >> 20
        const a = this.r(rs1)
        switch (f3) {
          case 0:
            return w(`${a} + ${imm}`)
          case 1:
            return w(`${a} << ${imm & 31}`)
          case 2:
            return w(`${a} < ${imm} ? 1 : 0`)
          case 3:
            return w(`(${a} >>> 0) < ${imm >>> 0} ? 1 : 0`)
          case 4:
            return w(`${a} ^ ${imm}`)
          case 5:
            return f7 === 0 ? w(`${a} >>> ${imm & 31}`) : w(`${a} >> ${imm & 31}`)
          case 6:
            return w(`${a} | ${imm}`)
          default:
            return w(`${a} & ${imm}`)
        }
      }
      case 0x33: {
        const a = this.r(rs1)
        const b = this.r(rs2)
        if (f7 === 1) return w(`${MD[f3]}(${a}, ${b})`)
        if (f7 === 0x20) return f3 === 0 ? w(`${a} - ${b}`) : w(`${a} >> (${b} & 31)`)
        const ops = [`${a} + ${b}`, `${a} << (${b} & 31)`, `${a} < ${b} ? 1 : 0`, `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`, `${a} ^ ${b}`, `${a} >>> (${b} & 31)`, `${a} | ${b}`, `${a} & ${b}`]
        return w(ops[f3])
      }
      case 0x03:
        return this.load(f3, rd, rs1, insn >> 20, idx, pc)
      case 0x23:
        return this.store(f3, rs2, rs1, ((insn >> 25) << 5) | ((insn >> 7) & 31), idx, pc)
      case 0x37:
        return w(i32(insn & 0xfffff000))
      case 0x17:
        return w(i32(pc + (insn & 0xfffff000)))
      case 0x63: {
        const target = (pc + branchImm(insn)) | 0
        const a = this.r(rs1)
        const b = this.r(rs2)
        const cond = [`${a} === ${b}`, `${a} !== ${b}`, '', '', `${a} < ${b}`, `${a} >= ${b}`, `(${a} >>> 0) < (${b} >>> 0)`, `(${a} >>> 0) >= (${b} >>> 0)`][f3]
        return `if (${cond}) { ${this.goTo(idx, target)} }`
      }
      case 0x6f:
        return `${w(i32(pc + 4))} ${this.goTo(idx, (pc + jalImm(insn)) | 0)}`
      case 0x67:
        return (
          `{ const t = ((${this.r(rs1)} + ${insn >> 20}) | 0) & -2; if (t & 3) { ${this.mark(idx)} h.raise(0, t); }` +
          ` ${w(i32(pc + 4))} ${this.leave(idx, 't')} }`
        )
      default:
        return '' // fence: nothing to do
    }
  }

  /** The whole function body around the emitted cases. */
  wrap(body: string): string {
    const regs = [...this.used].sort((a, b) => a - b)
    const spill = [...this.written].sort((a, b) => a - b).map((n) => `x[${n}] = x${n};`).join(' ')
    const decl = regs.length ? `let ${regs.map((n) => `x${n} = x[${n}]`).join(', ')};\n` : ''
    return `${decl}let done = 0;\nlet k = 0;\nfor (;;) {\nswitch (k) {\n${body.split(Emitter.SPILL).join(spill)}\n}\n}`
  }
}

/** Compiles the region at virtual `pc` whose words are read by `word(i)` (i-th instruction from pc, same page).
 * Returns null when the first instruction cannot be compiled. */
export function compileBlock(pc: number, phys: number, word: (i: number) => number): Block | null {
  pc |= 0
  const room = (0x1000 - (pc & 0xfff)) >>> 2
  const max = Math.min(MAX_BLOCK, room)
  const flows: Scanned[] = []
  let furthest = 0
  while (flows.length < max) {
    const at = (pc + flows.length * 4) | 0
    const sc = scan(word(flows.length), at)
    if (sc === null) break
    flows.push(sc)
    if (sc.flow === 'branch' || sc.flow === 'jal') {
      const t = (sc.target - pc) / 4
      if (t > furthest && t < max) furthest = t
    }
    // after an unconditional jump, go on only if a forward branch seen so far lands further on (an if/else)
    if ((sc.flow === 'jal' || sc.flow === 'jalr') && furthest < flows.length) break
  }
  const len = flows.length
  if (len === 0) return null
  const words: number[] = []
  for (let i = 0; i < len; i++) words.push(word(i))
  const key = `${pc}:${words.join(',')}`
  const known = fnCache.get(key)
  if (known !== undefined) return { fn: known, pc, phys, len }
  const leaders = new Set<number>([0])
  for (let i = 0; i < len; i++) {
    const f = flows[i]
    if (f.flow === 'plain') continue
    if (i + 1 < len) leaders.add(i + 1)
    const t = (f.target - pc) / 4
    if (f.flow !== 'jalr' && t >= 0 && t < len) leaders.add(t)
  }
  const e = new Emitter(pc, len, leaders)
  const lines: string[] = []
  for (let i = 0; i < len; i++) {
    const at = (pc + i * 4) | 0
    if (leaders.has(i)) {
      if (i > 0) lines.push(`done += ${i - e.bb};`)
      lines.push(`case ${i}:`)
      e.bb = i
    }
    lines.push(`/* ${hex(at)} */ ${e.insn(words[i], at, i)}`)
  }
  const last = flows[len - 1].flow
  if (last !== 'jal' && last !== 'jalr') lines.push(e.leave(len - 1, i32(pc + len * 4)))
  const source = `return function block_${(pc >>> 0).toString(16)}(${PARAMS.join(', ')}) {\n${e.wrap(lines.join('\n'))}\n}`
  if (fnCache.size >= CACHE_LIMIT) fnCache.clear()
  const factory = new Function(...Object.keys(HELPERS), source)
  const fn = factory(...Object.values(HELPERS)) as BlockFn
  fnCache.set(key, fn)
  return { fn, pc, phys, len }
}
