import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseElf, loadElfIntoRam } from '../../../src/main/engine/machine/elf'
import { EngineError } from '../../../src/main/engine/errors'
import { BAREMETAL_ELFS } from './tools'

const hello = readFileSync(join(BAREMETAL_ELFS, 'hello.elf'))
const rv32ui = readFileSync(join(BAREMETAL_ELFS, 'rv32ui-p.elf'))

function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    if (e instanceof EngineError) return e.code
    throw e
  }
  return 'OK'
}

function patched(src: Buffer, edits: [number, number[]][]): Uint8Array {
  const b = new Uint8Array(src)
  for (const [off, bytes] of edits) b.set(bytes, off)
  return b
}

describe('ELF loader', () => {
  it('reads entry, PT_LOAD segments and the symbol table', () => {
    const img = parseElf(rv32ui)
    expect(img.entry).toBe(0x80000000)
    expect(img.symbols.get('_start')).toBe(0x80000000)
    expect(img.symbols.get('tohost')).toBeGreaterThan(0x80000000)
    expect(img.symbols.get('fail')).toBeGreaterThan(0x80000000)
    expect(img.segments.length).toBeGreaterThan(0)
    const h = parseElf(hello)
    expect(h.symbols.get('main')).toBeGreaterThan(0x80000000)
  })

  it('zero-fills memsz beyond filesz and places segments at their physical address', () => {
    const img = parseElf(hello)
    const ram = new Uint8Array(1 << 20).fill(0xee)
    loadElfIntoRam(img, ram, 0x80000000)
    const seg = img.segments[0]
    const at = seg.paddr - 0x80000000
    expect(Array.from(ram.subarray(at, at + 8))).toEqual(Array.from(seg.data.subarray(0, 8)))
    const withBss = img.segments.find((s) => s.memsz > s.data.length)
    if (withBss) {
      const end = withBss.paddr - 0x80000000 + withBss.memsz
      expect(ram[end - 1]).toBe(0)
      expect(ram[end]).toBe(0xee)
    }
  })

  it('names what is wrong with malformed files', () => {
    expect(codeOf(() => parseElf(new Uint8Array(10)))).toBe('ELF_TOO_SHORT')
    expect(codeOf(() => parseElf(patched(hello, [[0, [0x7f, 0x45, 0x4c, 0x47]]])))).toBe('ELF_BAD_MAGIC')
    expect(codeOf(() => parseElf(patched(hello, [[4, [2]]])))).toBe('ELF_NOT_32BIT')
    expect(codeOf(() => parseElf(patched(hello, [[5, [2]]])))).toBe('ELF_NOT_LITTLE_ENDIAN')
    expect(codeOf(() => parseElf(patched(hello, [[18, [0x3e, 0]]])))).toBe('ELF_NOT_RISCV')
    expect(codeOf(() => parseElf(hello.subarray(0, 200)))).toBe('ELF_TRUNCATED')
    expect(codeOf(() => parseElf(patched(hello, [[28, [0xff, 0xff, 0xff, 0x7f]]])))).toBe('ELF_TRUNCATED')
    const img = parseElf(hello)
    expect(codeOf(() => loadElfIntoRam(img, new Uint8Array(64), 0x80000000))).toBe('ELF_SEGMENT_OUTSIDE_RAM')
    expect(codeOf(() => loadElfIntoRam(img, new Uint8Array(1 << 20), 0x90000000))).toBe('ELF_SEGMENT_OUTSIDE_RAM')
    try {
      parseElf(patched(hello, [[18, [0x3e, 0]]]))
    } catch (e) {
      expect((e as EngineError).params).toEqual({ machine: 0x3e })
    }
  })

  it('never crashes on fuzzed input: every failure is an EngineError', () => {
    let s = 12345
    const rnd = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      return s
    }
    const codes = new Set<string>()
    const ram = new Uint8Array(1 << 16)
    for (let i = 0; i < 600; i++) {
      const b = new Uint8Array(i % 3 === 0 ? rv32ui : hello)
      const n = 1 + (rnd() % 8)
      for (let k = 0; k < n; k++) b[rnd() % Math.min(b.length, i % 2 ? 128 : b.length)] = rnd() & 0xff
      const cut = i % 5 === 0 ? b.subarray(0, rnd() % b.length) : b
      codes.add(codeOf(() => loadElfIntoRam(parseElf(cut), ram, 0x80000000)))
    }
    expect(codes.has('OK')).toBe(true)
    expect(codes.size).toBeGreaterThan(3)
  })
})
