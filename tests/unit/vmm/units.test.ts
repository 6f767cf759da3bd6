// Pure pieces of the VMM: SBI dispatch, instruction decoding, cost table, guest Sv32 walks, shadow tables, EPT.
import { describe, expect, it } from 'vitest'
import { handleSbi, SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_SRST, SBI_ERR_NOT_SUPPORTED, type SbiEnv } from '../../../src/main/engine/vmm/sbi'
import { decodeSystem, decodeMem, amoResult, extendLoad } from '../../../src/main/engine/vmm/insn'
import { resolveCosts, DEFAULT_COSTS } from '../../../src/main/engine/vmm/costs'
import { walkGuest, PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_A, PTE_D, type GuestPhysMem } from '../../../src/main/engine/vmm/sv32'
import { ShadowMmu, CTX_S, CTX_U } from '../../../src/main/engine/vmm/shadow'
import { Ept } from '../../../src/main/engine/vmm/ept'
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE } from '../../../src/main/engine/cpu/types'
import { EngineError } from '../../../src/main/engine/errors'

function env(): SbiEnv & { out: number[]; timer: number; off: boolean | null; input: number[] } {
  const e = {
    out: [] as number[],
    timer: -1,
    off: null as boolean | null,
    input: [0x41],
    putchar: (b: number) => e.out.push(b),
    getchar: () => e.input.shift() ?? -1,
    setTimer: (t: number) => (e.timer = t),
    shutdown: (f: boolean) => (e.off = f),
    reboot: () => {}
  }
  return e
}

describe('SBI', () => {
  it('answers legacy console calls and forwards them to user space', () => {
    const e = env()
    const put = handleSbi({ eid: 1, fid: 0, args: [0x68] }, e)
    expect(e.out).toEqual([0x68])
    expect(put.userspace).toBe(true)
    expect(handleSbi({ eid: 2, fid: 0, args: [] }, e).a0).toBe(0x41)
    expect(handleSbi({ eid: 2, fid: 0, args: [] }, e).a0).toBe(0xffffffff)
  })
  it('reports spec 2.0, KVM as implementation, and probes extensions', () => {
    const e = env()
    expect(handleSbi({ eid: SBI_EXT_BASE, fid: 0, args: [] }, e)).toMatchObject({ a0: 0, a1: 0x02000000 })
    expect(handleSbi({ eid: SBI_EXT_BASE, fid: 1, args: [] }, e).a1).toBe(3)
    expect(handleSbi({ eid: SBI_EXT_BASE, fid: 3, args: [SBI_EXT_TIME] }, e).a1).toBe(1)
    expect(handleSbi({ eid: SBI_EXT_BASE, fid: 3, args: [0x4a4a4a4a] }, e).a1).toBe(0)
    expect(handleSbi({ eid: 0x4a4a4a4a, fid: 0, args: [] }, e).a0 | 0).toBe(SBI_ERR_NOT_SUPPORTED)
  })
  it('sets 64-bit timer deadlines from a0/a1 and shuts down with the failure reason', () => {
    const e = env()
    handleSbi({ eid: SBI_EXT_TIME, fid: 0, args: [5, 2] }, e)
    expect(e.timer).toBe(2 * 2 ** 32 + 5)
    handleSbi({ eid: SBI_EXT_SRST, fid: 0, args: [0, 1] }, e)
    expect(e.off).toBe(true)
  })
})

describe('instruction decoding', () => {
  it('decodes CSR instructions, sret, wfi and sfence.vma', () => {
    // csrrs a0, sstatus, a1 ; csrrwi zero, sscratch, 5
    expect(decodeSystem(0x1005a573)).toEqual({ kind: 'csr', op: 'rs', rd: 10, csr: 0x100, src: 11, imm: false })
    expect(decodeSystem(0x1402d073)).toEqual({ kind: 'csr', op: 'rw', rd: 0, csr: 0x140, src: 5, imm: true })
    expect(decodeSystem(0x10200073)).toEqual({ kind: 'sret' })
    expect(decodeSystem(0x10500073)).toEqual({ kind: 'wfi' })
    expect(decodeSystem(0x12a00073)).toEqual({ kind: 'sfence', rs1: 0, rs2: 10 })
    expect(decodeSystem(0x00000013)).toBeNull()
  })
  it('decodes loads, stores and AMOs with their immediates', () => {
    expect(decodeMem(0xffc42503)).toEqual({ kind: 'load', size: 4, signed: true, rd: 10, rs1: 8, imm: -4 }) // lw a0,-4(s0)
    expect(decodeMem(0x00b50223)).toEqual({ kind: 'store', size: 1, rs1: 10, rs2: 11, imm: 4 }) // sb a1,4(a0)
    expect(decodeMem(0x08b5252f)).toEqual({ kind: 'amo', op: 'swap', rd: 10, rs1: 10, rs2: 11 }) // amoswap.w
    expect(amoResult('max', 0xffffffff, 1)).toBe(1)
    expect(amoResult('maxu', 0xffffffff, 1)).toBe(0xffffffff)
    expect(extendLoad(0x80, 1, true)).toBe(0xffffff80)
    expect(extendLoad(0x80, 1, false)).toBe(0x80)
  })
})

describe('cost table', () => {
  it('applies overrides by name and rejects unknown names and negative values', () => {
    expect(resolveCosts({ vmExit: 999 }).vmExit).toBe(999)
    expect(resolveCosts().shadowPageFill).toBe(DEFAULT_COSTS.shadowPageFill)
    expect(() => resolveCosts({ nope: 1 })).toThrow(EngineError)
    expect(() => resolveCosts({ vmExit: -1 })).toThrow(/>= 0/)
  })
})

/** A little guest-physical memory at 0x80000000 for walker tests. */
function memory(pages: number): GuestPhysMem & { words: Uint32Array; writes: number } {
  const words = new Uint32Array(pages * 1024)
  const m = {
    words,
    writes: 0,
    isRam: (a: number) => a >= 0x80000000 && a < 0x80000000 + pages * 4096,
    isMissing: () => false,
    read32: (a: number) => words[(a - 0x80000000) >>> 2],
    write32: (a: number, v: number) => {
      m.writes++
      words[(a - 0x80000000) >>> 2] = v
    }
  }
  return m
}

describe('guest Sv32 walk', () => {
  const root = 0x80000000
  const l0 = 0x80001000
  function setup(): ReturnType<typeof memory> {
    const m = memory(8)
    m.words[0x400 >>> 2] = 0 // root[1] unused
    m.words[1] = ((l0 >>> 12) << 10) | PTE_V // root[1] → L0 for VA 0x00400000..
    m.words[1024 + 0] = ((0x80003000 >>> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_U // VA 0x400000 → 0x80003000, user RW
    m.words[1024 + 1] = ((0x80004000 >>> 12) << 10) | PTE_V | PTE_R | PTE_X // VA 0x401000 → 0x80004000, kernel RX
    m.words[0x200] = ((0x80000000 >>> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D // megapage 0x80000000
    return m
  }
  const satp = 0x80000000 | (root >>> 12)

  it('translates 4 KiB and 4 MiB leaves and reports the tables walked', () => {
    const m = setup()
    const r = walkGuest(m, { satp, priv: 0, sum: false, mxr: false }, 0x400123, ACCESS_LOAD, false)
    expect(r).toMatchObject({ ok: true, gpa: 0x80003123, tables: [0x80000, 0x80001] })
    const big = walkGuest(m, { satp, priv: 1, sum: false, mxr: false }, 0x80123456, ACCESS_FETCH, false)
    expect(big).toMatchObject({ ok: true, gpa: 0x80123456, tables: [0x80000] })
  })
  it('sets A on access and D on store in the guest PTE, as the hardware walker would', () => {
    const m = setup()
    walkGuest(m, { satp, priv: 0, sum: false, mxr: false }, 0x400000, ACCESS_LOAD, true)
    expect(m.words[1024] & (PTE_A | PTE_D)).toBe(PTE_A)
    walkGuest(m, { satp, priv: 0, sum: false, mxr: false }, 0x400000, ACCESS_STORE, true)
    expect(m.words[1024] & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D)
  })
  it('enforces U, SUM and MXR', () => {
    const m = setup()
    const ctx = (priv: number, sum: boolean, mxr: boolean) => ({ satp, priv, sum, mxr })
    expect(walkGuest(m, ctx(1, false, false), 0x400000, ACCESS_LOAD, false)).toMatchObject({ ok: false, fault: 'page' })
    expect(walkGuest(m, ctx(1, true, false), 0x400000, ACCESS_LOAD, false)).toMatchObject({ ok: true })
    expect(walkGuest(m, ctx(0, false, false), 0x401000, ACCESS_FETCH, false)).toMatchObject({ ok: false, fault: 'page' })
    expect(walkGuest(m, ctx(1, false, false), 0x401000, ACCESS_LOAD, false)).toMatchObject({ ok: true })
    expect(walkGuest(m, ctx(1, false, false), 0x401000, ACCESS_STORE, false)).toMatchObject({ ok: false })
    m.words[1024 + 1] &= ~PTE_R
    expect(walkGuest(m, ctx(1, false, false), 0x401000, ACCESS_LOAD, false)).toMatchObject({ ok: false })
    expect(walkGuest(m, ctx(1, false, true), 0x401000, ACCESS_LOAD, false)).toMatchObject({ ok: true })
  })
})

describe('shadow page tables', () => {
  it('keeps separate S and U contexts, write-protects through the reverse map, zaps pages and regions', () => {
    const host = new Uint8Array(8 * 4096)
    const sh = new ShadowMmu(host, 0x80000000, 4096, 7)
    sh.map(CTX_S, 0x00400000, 0x80000000, PTE_R | PTE_W)
    sh.map(CTX_U, 0x00401000, 0x80000000, PTE_R | PTE_W | PTE_X)
    expect(sh.lookup(CTX_S, 0x00400000) & (PTE_V | PTE_U | PTE_W | PTE_D)).toBe(PTE_V | PTE_U | PTE_W | PTE_D)
    expect(sh.lookup(CTX_U, 0x00400000)).toBe(0)
    expect(sh.writeProtect(0x80000)).toBe(true)
    expect(sh.lookup(CTX_S, 0x00400000) & PTE_W).toBe(0)
    expect(sh.lookup(CTX_U, 0x00401000) & (PTE_W | PTE_X)).toBe(PTE_X)
    sh.zapPage(0x00400000)
    expect(sh.lookup(CTX_S, 0x00400000)).toBe(0)
    expect(sh.lookup(CTX_U, 0x00401000)).not.toBe(0)
    sh.zapRegion(1)
    expect(sh.lookup(CTX_U, 0x00401000)).toBe(0)
    // the root of each context lives in the pool after guest RAM
    expect(sh.satpFor(CTX_S) >>> 0).toBe((0x80000000 | (0x80001000 >>> 12)) >>> 0)
  })
  it('flushes everything when the pool runs out and still installs the mapping', () => {
    const host = new Uint8Array(5 * 4096)
    const sh = new ShadowMmu(host, 0x80000000, 4096, 4) // 2 roots + 2 leaf tables
    expect(sh.map(CTX_S, 0x00000000, 0x80000000, PTE_R)).toBe(true)
    expect(sh.map(CTX_S, 0x00400000, 0x80000000, PTE_R)).toBe(true)
    expect(sh.map(CTX_S, 0x00800000, 0x80000000, PTE_R)).toBe(false)
    expect(sh.lookup(CTX_S, 0x00000000)).toBe(0)
    expect(sh.lookup(CTX_S, 0x00800000)).not.toBe(0)
  })
})

describe('EPT', () => {
  it('faults on unmapped pages and outside RAM, sets A/D, write-protects for the dirty log', () => {
    const ept = new Ept(0x80000000, 16 * 4096)
    expect(ept.translate(0x80002000, ACCESS_LOAD)).toBe(-1)
    expect(ept.lastFault).toBe('not-present')
    expect(ept.translate(0x10000000, ACCESS_LOAD)).toBe(-1)
    expect(ept.lastFault).toBe('outside-ram')
    ept.map(2)
    expect(ept.translate(0x80002010, ACCESS_LOAD)).toBe(0x80002010)
    expect([ept.isAccessed(2), ept.isDirty(2)]).toEqual([true, false])
    expect(ept.translate(0x80002010, ACCESS_STORE)).toBe(0x80002010)
    expect(ept.isDirty(2)).toBe(true)
    ept.startDirtyLog()
    expect(ept.isDirty(2)).toBe(false)
    expect(ept.translate(0x80002010, ACCESS_STORE)).toBe(-1)
    expect(ept.lastFault).toBe('write-protect')
    ept.logWrite(2)
    expect(ept.translate(0x80002010, ACCESS_STORE)).toBe(0x80002010)
    expect(Array.from(ept.collectDirty())).toEqual([2])
    expect(Array.from(ept.collectDirty())).toEqual([])
    expect(ept.translate(0x80002010, ACCESS_STORE)).toBe(-1)
    ept.stopDirtyLog()
    expect(ept.translate(0x80002010, ACCESS_STORE)).toBe(0x80002010)
  })
})
