// Reads the few things the guest tests need from an ELF32 RISC-V image: symbols (.symtab), the file offset of a
// virtual address (PT_LOAD), and a copy with a new kernel command line written into `boot_cmdline` (as the
// workbench VMM does before boot).
export interface ElfSymbol {
  name: string
  value: number
  size: number
}

export class ElfImage {
  private readonly view: DataView

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const magic = String.fromCharCode(...bytes.subarray(1, 4))
    if (bytes[0] !== 0x7f || magic !== 'ELF' || bytes[4] !== 1 || bytes[5] !== 1) {
      throw new Error('not a little-endian ELF32 file')
    }
  }

  private u16(off: number): number {
    return this.view.getUint16(off, true)
  }

  private u32(off: number): number {
    return this.view.getUint32(off, true)
  }

  get entry(): number {
    return this.u32(24)
  }

  symbols(): Map<string, ElfSymbol> {
    const shoff = this.u32(32)
    const shentsize = this.u16(46)
    const shnum = this.u16(48)
    const out = new Map<string, ElfSymbol>()
    for (let i = 0; i < shnum; i++) {
      const sh = shoff + i * shentsize
      if (this.u32(sh + 4) !== 2) continue // SHT_SYMTAB
      const off = this.u32(sh + 16)
      const size = this.u32(sh + 20)
      const strtab = shoff + this.u32(sh + 24) * shentsize
      const strOff = this.u32(strtab + 16)
      for (let s = off; s < off + size; s += 16) {
        const nameOff = strOff + this.u32(s)
        let end = nameOff
        while (this.bytes[end] !== 0) end++
        const name = new TextDecoder().decode(this.bytes.subarray(nameOff, end))
        if (name) out.set(name, { name, value: this.u32(s + 4), size: this.u32(s + 8) })
      }
    }
    return out
  }

  /** File offset holding virtual address `addr`, from the PT_LOAD program headers (throws if not in the file). */
  fileOffset(addr: number): number {
    const phoff = this.u32(28)
    const phentsize = this.u16(42)
    const phnum = this.u16(44)
    for (let i = 0; i < phnum; i++) {
      const ph = phoff + i * phentsize
      if (this.u32(ph) !== 1) continue
      const vaddr = this.u32(ph + 8)
      const filesz = this.u32(ph + 16)
      if (addr >= vaddr && addr < vaddr + filesz) return this.u32(ph + 4) + (addr - vaddr)
    }
    throw new Error(`address 0x${addr.toString(16)} is not backed by the file`)
  }

  readU32(addr: number): number {
    return this.u32(this.fileOffset(addr))
  }

  readCString(addr: number, max: number): string {
    const off = this.fileOffset(addr)
    let end = off
    while (end < off + max && this.bytes[end] !== 0) end++
    return new TextDecoder().decode(this.bytes.subarray(off, end))
  }

  /** A copy of the image whose boot_cmdline holds `cmdline` (NUL-terminated, zero-filled). */
  withCmdline(cmdline: string): Uint8Array {
    const sym = this.symbols().get('boot_cmdline')
    if (!sym) throw new Error('no boot_cmdline symbol')
    const text = new TextEncoder().encode(cmdline)
    if (text.length >= sym.size) throw new Error(`command line longer than ${sym.size - 1} bytes`)
    const copy = new Uint8Array(this.bytes)
    const off = this.fileOffset(sym.value)
    copy.fill(0, off, off + sym.size)
    copy.set(text, off)
    return copy
  }
}
