// ELF32 little-endian RISC-V loader: PT_LOAD segments (file bytes + zero fill up to memsz, placed at the physical
// address as QEMU does), the entry point, and .symtab/.strtab as a name → address map. Any malformed input ends in
// an EngineError naming what is wrong; nothing here trusts an offset or size before checking it.
import { EngineError } from '../errors'

export const EM_RISCV = 243
const PT_LOAD = 1
const SHT_SYMTAB = 2
const EHDR_SIZE = 52
const PHDR_SIZE = 32
const SHDR_SIZE = 40
const SYM_SIZE = 16
const STB_GLOBAL = 1
const STT_SECTION = 3
const STT_FILE = 4

export interface ElfSegment {
  paddr: number
  vaddr: number
  memsz: number
  /** The file-backed part (filesz bytes); the rest up to memsz is zero. */
  data: Uint8Array
}

export interface ElfImage {
  entry: number
  segments: ElfSegment[]
  symbols: Map<string, number>
}

function fail(code: string, message: string, params: Record<string, string | number> = {}): never {
  throw new EngineError(code, message, params)
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16)

export function parseElf(bytes: Uint8Array): ElfImage {
  if (bytes.length < EHDR_SIZE) fail('ELF_TOO_SHORT', `file is ${bytes.length} bytes, an ELF header needs 52`, { size: bytes.length })
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    fail('ELF_BAD_MAGIC', 'not an ELF file (bad magic number)', { magic: Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ') })
  }
  if (bytes[4] !== 1) fail('ELF_NOT_32BIT', `ELF class ${bytes[4]} is not ELFCLASS32`, { elfClass: bytes[4] })
  if (bytes[5] !== 1) fail('ELF_NOT_LITTLE_ENDIAN', `ELF data encoding ${bytes[5]} is not little-endian`, { encoding: bytes[5] })
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u16 = (o: number): number => dv.getUint16(o, true)
  const u32 = (o: number): number => dv.getUint32(o, true)
  const machine = u16(18)
  if (machine !== EM_RISCV) fail('ELF_NOT_RISCV', `ELF machine ${machine} is not RISC-V (243)`, { machine })
  const entry = u32(24)
  const phoff = u32(28)
  const shoff = u32(32)
  const phentsize = u16(42)
  const phnum = u16(44)
  const shentsize = u16(46)
  const shnum = u16(48)

  const within = (off: number, len: number): boolean => off <= bytes.length && len <= bytes.length - off
  if (phnum > 0 && phentsize < PHDR_SIZE) fail('ELF_TRUNCATED', `program header entry size ${phentsize} is below 32`, { what: 'e_phentsize', value: phentsize })
  if (!within(phoff, phnum * phentsize)) {
    fail('ELF_TRUNCATED', `program headers at ${hex(phoff)} (${phnum} entries) run past the end of the file`, { what: 'program headers', offset: phoff, size: bytes.length })
  }
  const segments: ElfSegment[] = []
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize
    if (u32(p) !== PT_LOAD) continue
    const offset = u32(p + 4)
    const vaddr = u32(p + 8)
    const paddr = u32(p + 12)
    const filesz = u32(p + 16)
    const memsz = u32(p + 20)
    if (filesz > memsz) fail('ELF_BAD_SEGMENT', `segment ${i}: file size ${filesz} exceeds memory size ${memsz}`, { segment: i, filesz, memsz })
    if (!within(offset, filesz)) {
      fail('ELF_TRUNCATED', `segment ${i}: bytes ${hex(offset)}+${filesz} run past the end of the file`, { what: `segment ${i}`, offset, size: bytes.length })
    }
    if (memsz === 0) continue
    segments.push({ paddr, vaddr, memsz, data: bytes.subarray(offset, offset + filesz) })
  }
  if (segments.length === 0) fail('ELF_NO_SEGMENTS', 'the ELF file has no loadable segment')

  const symbols = new Map<string, number>()
  if (shnum > 0 && shoff !== 0 && shentsize >= SHDR_SIZE && within(shoff, shnum * shentsize)) {
    readSymbols(bytes, dv, shoff, shnum, shentsize, symbols)
  }
  return { entry, segments, symbols }
}

function readSymbols(bytes: Uint8Array, dv: DataView, shoff: number, shnum: number, shentsize: number, out: Map<string, number>): void {
  const u32 = (o: number): number => dv.getUint32(o, true)
  const within = (off: number, len: number): boolean => off <= bytes.length && len <= bytes.length - off
  const decoder = new TextDecoder()
  const globals = new Set<string>()
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize
    if (u32(s + 4) !== SHT_SYMTAB) continue
    const symOff = u32(s + 16)
    const symSize = u32(s + 20)
    const link = u32(s + 24)
    if (link >= shnum || !within(symOff, symSize)) continue
    const l = shoff + link * shentsize
    const strOff = u32(l + 16)
    const strSize = u32(l + 20)
    if (!within(strOff, strSize)) continue
    for (let e = symOff; e + SYM_SIZE <= symOff + symSize; e += SYM_SIZE) {
      const nameOff = u32(e)
      const value = u32(e + 4)
      const info = bytes[e + 12]
      const type = info & 0xf
      if (nameOff === 0 || nameOff >= strSize || type === STT_SECTION || type === STT_FILE) continue
      let end = strOff + nameOff
      const limit = strOff + strSize
      while (end < limit && bytes[end] !== 0) end++
      const name = decoder.decode(bytes.subarray(strOff + nameOff, end))
      const isGlobal = info >> 4 === STB_GLOBAL
      if (!out.has(name) || (isGlobal && !globals.has(name))) {
        out.set(name, value)
        if (isGlobal) globals.add(name)
      }
    }
  }
}

/** Copies the image's segments into RAM (guest-physical `ramBase` upwards), zero-filling up to memsz. */
export function loadElfIntoRam(image: ElfImage, ram: Uint8Array, ramBase: number): void {
  for (const [i, seg] of image.segments.entries()) {
    const start = seg.paddr - ramBase
    if (seg.paddr < ramBase || start + seg.memsz > ram.length) {
      fail('ELF_SEGMENT_OUTSIDE_RAM', `segment ${i} at ${hex(seg.paddr)}+${seg.memsz} lies outside RAM ${hex(ramBase)}+${ram.length}`, {
        segment: i,
        address: hex(seg.paddr),
        size: seg.memsz,
        ramBase: hex(ramBase),
        ramSize: ram.length
      })
    }
  }
  for (const seg of image.segments) {
    const start = seg.paddr - ramBase
    ram.set(seg.data, start)
    ram.fill(0, start + seg.data.length, start + seg.memsz)
  }
}
