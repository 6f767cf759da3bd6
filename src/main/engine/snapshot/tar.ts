// A minimal POSIX ustar writer and streaming reader: regular files only, which is all a VM archive holds.
// Header layout (512 bytes): name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8] typeflag[1]
// linkname[100] magic "ustar\0" version "00" uname[32] gname[32] devmajor[8] devminor[8] prefix[155].
// Sizes of 8 GiB and more use the GNU base-256 form (high bit of the first size byte set).
export const BLOCK = 512

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'latin1')
}

export function tarHeader(name: string, size: number, mtimeSeconds = 0): Buffer {
  const h = Buffer.alloc(BLOCK)
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`)
  h.write(name, 0, 100, 'utf8')
  octal(h, 100, 8, 0o644)
  octal(h, 108, 8, 0)
  octal(h, 116, 8, 0)
  if (size < 8 ** 11) octal(h, 124, 12, size)
  else {
    h[124] = 0x80
    let v = size
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256
      v = Math.floor(v / 256)
    }
  }
  octal(h, 136, 12, mtimeSeconds)
  h.write('        ', 148, 8, 'latin1')
  h.write('0', 156, 1, 'latin1')
  h.write('ustar\0' + '00', 257, 8, 'latin1')
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1')
  return h
}

export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK)
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK)

export interface TarEntrySink {
  data(chunk: Buffer): void
  end(): void
}

export class TarFormatError extends Error {}

function parseSize(h: Buffer): number {
  if (h[124] & 0x80) {
    let v = 0
    for (let i = 125; i < 136; i++) v = v * 256 + h[i]
    return v
  }
  const text = h.toString('latin1', 124, 136).replace(/[\0 ]+$/, '').trim()
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError('bad size field')
  return parseInt(text, 8)
}

function parseHeader(h: Buffer): { name: string; size: number; type: string } {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]
  const stored = parseInt(h.toString('latin1', 148, 156).replace(/[\0 ]+/g, ''), 8)
  if (stored !== sum) throw new TarFormatError('header checksum mismatch')
  if (h.toString('latin1', 257, 262) !== 'ustar') throw new TarFormatError('not a ustar header')
  const cut = (s: string): string => s.replace(/\0.*$/s, '')
  const name = cut(h.toString('utf8', 0, 100))
  const prefix = cut(h.toString('utf8', 345, 500))
  return { name: prefix ? `${prefix}/${name}` : name, size: parseSize(h), type: h.toString('latin1', 156, 157) }
}

/** Feed archive bytes with push(); each file entry is announced to onEntry, whose sink receives its bytes. */
export class TarReader {
  private header = Buffer.alloc(BLOCK)
  private headerLen = 0
  private remaining = 0
  private padding = 0
  private sink: TarEntrySink | null = null
  private ended = false
  private zeroBlocks = 0

  constructor(private readonly onEntry: (name: string, size: number) => TarEntrySink) {}

  get complete(): boolean {
    return this.ended
  }

  push(chunk: Buffer): void {
    let off = 0
    while (off < chunk.length && !this.ended) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - off)
        this.sink?.data(chunk.subarray(off, off + n))
        off += n
        this.remaining -= n
        if (this.remaining === 0) this.finishEntry()
      } else if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - off)
        off += n
        this.padding -= n
      } else {
        const n = Math.min(BLOCK - this.headerLen, chunk.length - off)
        chunk.copy(this.header, this.headerLen, off, off + n)
        this.headerLen += n
        off += n
        if (this.headerLen === BLOCK) {
          this.headerLen = 0
          this.startEntry()
        }
      }
    }
  }

  private startEntry(): void {
    if (this.header.every((b) => b === 0)) {
      if (++this.zeroBlocks === 2) this.ended = true
      return
    }
    if (this.zeroBlocks) throw new TarFormatError('data after an end block')
    const { name, size, type } = parseHeader(this.header)
    if (type !== '0' && type !== '\0') throw new TarFormatError(`unsupported entry type "${type}" for ${name}`)
    this.sink = this.onEntry(name, size)
    this.remaining = size
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK
    if (size === 0) this.finishEntry()
  }

  private finishEntry(): void {
    const s = this.sink
    this.sink = null
    s?.end()
  }
}
