// Content-addressed page storage in append-only pack files.
//
// A pack holds the pages one snapshot operation wrote, back to back, followed by their hashes and a trailer:
//   [page 0 .. page n-1: n × 4096 bytes] [hash 0 .. hash n-1: n × 32 bytes] [trailer: 32 bytes]
//   trailer = "VWBPACK1" | n (u32 LE) | 0 (u32) | first 16 bytes of SHA-256(hash table)
// A pack is written under a temporary name, fsynced and renamed, so a visible pack is always complete; it is
// never modified afterwards, only deleted (or compacted into a new pack) when no snapshot references its pages.
// One file per operation keeps writes sequential and reads of a snapshot mostly contiguous (per-page files cost
// a create + fsync each: far slower). The index (hash → pack, slot) is rebuilt from the pack trailers at open.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { hash as oneShotHash } from 'node:crypto'
import { PAGE_SIZE } from '../vmm/vm-state'
import { type DurableIo, TEMP_SUFFIX, fsyncDir, unlinkDurable, writeAll } from './durable-io'
import { errorText } from './errors'
import { asBuffer, sha256Hex } from './page-hash'

const MAGIC = Buffer.from('VWBPACK1', 'latin1')
const TRAILER_SIZE = 32
const HASH_SIZE = 32
const SLOT_RADIX = 2 ** 26 // location = pack * SLOT_RADIX + slot (packs up to 256 GiB)
const WRITE_BATCH = 4 << 20
const READ_RUN_PAGES = 1024

interface Pack {
  no: number
  file: string
  count: number
  hashes: string[]
}

export interface DamagedPack {
  file: string
  reason: string
}

export interface PageRequest {
  pageIndex: number
  hash: string
}

/** A page request whose place in the packs is known: loc = pack number × SLOT_RADIX + slot. */
export interface LocatedPage extends PageRequest {
  loc: number
}

export interface ReadResult {
  missing: number[] // page indices whose hash is in no pack
  corrupt: number[] // page indices whose stored bytes do not match the hash
}

export interface GcResult {
  packsDeleted: number
  packsCompacted: number
  bytesFreed: number
}

const PACK_NAME = /^pack-(\d{6,})\.pck$/

export function packFileName(no: number): string {
  return `pack-${String(no).padStart(6, '0')}.pck`
}

/** Parse a pack's trailer and hash table; throws a reason string's Error if the pack is not well-formed. */
export function readPackIndex(file: string): { count: number; hashes: string[] } {
  const fd = fs.openSync(file, 'r')
  try {
    const size = fs.fstatSync(fd).size
    if (size < TRAILER_SIZE) throw new Error(`${size} bytes, shorter than the trailer`)
    const trailer = Buffer.alloc(TRAILER_SIZE)
    fs.readSync(fd, trailer, 0, TRAILER_SIZE, size - TRAILER_SIZE)
    if (!trailer.subarray(0, 8).equals(MAGIC)) throw new Error('bad trailer magic')
    const count = trailer.readUInt32LE(8)
    if (size !== count * (PAGE_SIZE + HASH_SIZE) + TRAILER_SIZE) throw new Error(`size ${size} does not fit ${count} pages`)
    const table = Buffer.alloc(count * HASH_SIZE)
    fs.readSync(fd, table, 0, table.length, count * PAGE_SIZE)
    const sum = Buffer.from(sha256Hex(table), 'hex').subarray(0, 16)
    if (!sum.equals(trailer.subarray(16, 32))) throw new Error('hash table checksum mismatch')
    const hashes: string[] = new Array(count)
    for (let i = 0; i < count; i++) hashes[i] = table.toString('hex', i * HASH_SIZE, (i + 1) * HASH_SIZE)
    return { count, hashes }
  } finally {
    fs.closeSync(fd)
  }
}

export class PageStore {
  private readonly packs = new Map<number, Pack>()
  private readonly index = new Map<string, number>()
  readonly damaged: DamagedPack[] = []
  private nextPackNo = 1

  constructor(
    readonly dir: string,
    private readonly io: DurableIo
  ) {}

  /** Load every pack's index; removes leftovers of interrupted writes when `recover` is set. */
  load(recover: boolean): void {
    if (!fs.existsSync(this.dir)) return
    for (const name of fs.readdirSync(this.dir).sort()) {
      const file = path.join(this.dir, name)
      const num = /^pack-(\d+)/.exec(name)
      if (num) this.nextPackNo = Math.max(this.nextPackNo, Number(num[1]) + 1)
      if (name.endsWith(TEMP_SUFFIX)) {
        if (recover) unlinkDurable(this.io, file)
        continue
      }
      const m = PACK_NAME.exec(name)
      if (!m) continue
      try {
        const { count, hashes } = readPackIndex(file)
        this.addPack({ no: Number(m[1]), file, count, hashes })
      } catch (err) {
        this.damaged.push({ file, reason: errorText(err) })
      }
    }
  }

  private addPack(pack: Pack): void {
    this.packs.set(pack.no, pack)
    for (let slot = 0; slot < pack.count; slot++) {
      this.index.set(pack.hashes[slot], pack.no * SLOT_RADIX + slot) // the newest copy of a page wins
    }
  }

  has(hash: string): boolean {
    return this.index.has(hash)
  }

  get pageCount(): number {
    return this.index.size
  }

  /** Every pack with the hashes it holds (fsck). */
  packHashes(): { file: string; hashes: readonly string[] }[] {
    return [...this.packs.values()].map((p) => ({ file: p.file, hashes: p.hashes }))
  }

  get packCount(): number {
    return this.packs.size
  }

  /** Bytes of all pack files on disk. */
  diskBytes(): number {
    let total = 0
    for (const p of this.packs.values()) total += p.count * (PAGE_SIZE + HASH_SIZE) + TRAILER_SIZE
    return total
  }

  beginPack(): PackWriter {
    const { no, file } = this.reservePack()
    return new PackWriter((h) => this.has(h), this.io, file, (hashes) => this.registerPack(no, file, hashes))
  }

  /** A durable pack with these hashes (in slot order) is in place. */
  registerPack(no: number, file: string, hashes: string[]): void {
    this.addPack({ no, file, count: hashes.length, hashes })
  }

  /** Read pages into `target` at pageIndex × 4096, verifying each page's hash. Pages that are missing or corrupt
   * are reported (their bytes in `target` are undefined). `onPage` is called with the number of pages done. */
  readInto(requests: readonly PageRequest[], target: Uint8Array, onPages?: (done: number) => void): ReadResult {
    const missing: number[] = []
    const located: LocatedPage[] = []
    for (const r of requests) {
      const loc = this.index.get(r.hash)
      if (loc === undefined) missing.push(r.pageIndex)
      else located.push({ loc, pageIndex: r.pageIndex, hash: r.hash })
    }
    const corrupt = readLocatedPages(located, (no) => this.packs.get(no)?.file, target, onPages && ((done) => onPages(done + missing.length)))
    return { missing, corrupt }
  }

  /** Where a page is stored (pack × SLOT_RADIX + slot), or undefined. */
  locate(hash: string): number | undefined {
    return this.index.get(hash)
  }

  /** Every pack's file by number (for readers in other threads: pack files never change once visible). */
  packFiles(): [number, string][] {
    return [...this.packs.values()].map((p) => [p.no, p.file])
  }

  /** Every stored page's hash (a host worker taking a snapshot skips these). */
  knownHashes(): string[] {
    return [...this.index.keys()]
  }

  /** A pack number and file for a PackWriter in another thread; registerPack once it finished. */
  reservePack(): { no: number; file: string } {
    const no = this.nextPackNo++
    return { no, file: path.join(this.dir, packFileName(no)) }
  }

  /** One verified page, or null if it is missing or corrupt. */
  readPage(hash: string): Buffer | null {
    const buf = Buffer.alloc(PAGE_SIZE)
    const r = this.readInto([{ pageIndex: 0, hash }], buf)
    return r.missing.length + r.corrupt.length === 0 ? buf : null
  }

  /** Verify every page of every pack (fsck): returns the hashes whose bytes do not match, per pack file. */
  verifyAll(): { file: string; badSlots: number[]; badHashes: string[] }[] {
    const bad: { file: string; badSlots: number[]; badHashes: string[] }[] = []
    const buf = Buffer.alloc(READ_RUN_PAGES * PAGE_SIZE)
    for (const pack of this.packs.values()) {
      const fd = fs.openSync(pack.file, 'r')
      const badSlots: number[] = []
      try {
        for (let s = 0; s < pack.count; s += READ_RUN_PAGES) {
          const n = Math.min(READ_RUN_PAGES, pack.count - s)
          const got = fs.readSync(fd, buf, 0, n * PAGE_SIZE, s * PAGE_SIZE)
          for (let k = 0; k < n; k++) {
            const ok = (k + 1) * PAGE_SIZE <= got && oneShotHash('sha256', buf.subarray(k * PAGE_SIZE, (k + 1) * PAGE_SIZE), 'hex') === pack.hashes[s + k]
            if (!ok) badSlots.push(s + k)
          }
        }
      } finally {
        fs.closeSync(fd)
      }
      if (badSlots.length) bad.push({ file: pack.file, badSlots, badHashes: badSlots.map((s) => pack.hashes[s]) })
    }
    return bad
  }

  /** Delete packs none of whose pages are in `live`; rewrite packs that are mostly dead into a new pack holding
   * only their live pages. Every step is crash-safe: the new pack is durable before an old one is removed. */
  gc(live: ReadonlySet<string>): GcResult {
    const result: GcResult = { packsDeleted: 0, packsCompacted: 0, bytesFreed: 0 }
    const toCompact: Pack[] = []
    for (const pack of [...this.packs.values()]) {
      let liveCount = 0
      for (let slot = 0; slot < pack.count; slot++) {
        const h = pack.hashes[slot]
        if (live.has(h) && this.index.get(h) === pack.no * SLOT_RADIX + slot) liveCount++
      }
      if (liveCount === 0) {
        this.dropPack(pack)
        result.packsDeleted++
        result.bytesFreed += pack.count * (PAGE_SIZE + HASH_SIZE) + TRAILER_SIZE
      } else if (liveCount * 2 < pack.count) {
        toCompact.push(pack)
      }
    }
    for (const pack of toCompact) {
      const liveHashes = pack.hashes.filter((h, slot) => live.has(h) && this.index.get(h) === pack.no * SLOT_RADIX + slot)
      const pages = Buffer.alloc(liveHashes.length * PAGE_SIZE)
      const r = this.readInto(liveHashes.map((hash, pageIndex) => ({ pageIndex, hash })), pages)
      if (r.missing.length + r.corrupt.length > 0) continue // damaged: leave it for fsck to report
      const writer = this.beginPack()
      liveHashes.forEach((h, i) => writer.add(h, pages, i * PAGE_SIZE, true))
      writer.finish()
      const before = pack.count * (PAGE_SIZE + HASH_SIZE) + TRAILER_SIZE
      this.dropPack(pack)
      result.packsCompacted++
      result.bytesFreed += before - (liveHashes.length * (PAGE_SIZE + HASH_SIZE) + TRAILER_SIZE)
    }
    return result
  }

  private dropPack(pack: Pack): void {
    unlinkDurable(this.io, pack.file)
    this.packs.delete(pack.no)
    for (let slot = 0; slot < pack.count; slot++) {
      // only pages whose live copy is here; a dead page that has an older copy elsewhere is simply forgotten
      const h = pack.hashes[slot]
      if (this.index.get(h) === pack.no * SLOT_RADIX + slot) this.index.delete(h)
    }
  }
}

/** Appends pages to a new pack; nothing is visible until finish() made the pack durable. */
export class PackWriter {
  private fd = -1
  private readonly hashes: string[] = []
  private readonly pending = new Set<string>()
  // pages queued but not yet written: a run of consecutive pages of one buffer, written straight from it
  private runMem: Uint8Array | null = null
  private runStart = 0
  private runLen = 0
  private bytes = 0
  private readonly tmp: string

  /** `stored(hash)`: the page is already in the store (not written again); `onDurable` gets the pack's hashes
   * once it is in place. */
  constructor(
    private readonly stored: (hash: string) => boolean,
    private readonly io: DurableIo,
    readonly file: string,
    private readonly onDurable: (hashes: string[]) => void = () => undefined
  ) {
    this.tmp = file + TEMP_SUFFIX
  }

  /** True if the page is already stored or queued in this pack. */
  has(hash: string): boolean {
    return this.pending.has(hash) || this.stored(hash)
  }

  /** The hashes written, in slot order. */
  get written(): readonly string[] {
    return this.hashes
  }

  get pagesAdded(): number {
    return this.hashes.length
  }

  /** Queue the page at mem[offset..offset+4096) under `hash`. Returns false (and writes nothing) when the page is
   * already stored, unless `force`. The bytes are read from `mem` when written: call flushPending() before
   * `mem` changes (capture loops do so after each slice). */
  add(hash: string, mem: Uint8Array, offset: number, force = false): boolean {
    if (!force && this.has(hash)) return false
    if (this.fd < 0) this.fd = this.io.openSync(this.tmp, 'w')
    this.pending.add(hash)
    this.hashes.push(hash)
    if (this.runMem === mem && offset === this.runStart + this.runLen && this.runLen < WRITE_BATCH) {
      this.runLen += PAGE_SIZE
    } else {
      this.flushPending()
      this.runMem = mem
      this.runStart = offset
      this.runLen = PAGE_SIZE
    }
    return true
  }

  /** Write the queued run of pages. */
  flushPending(): void {
    if (this.runMem === null || this.runLen === 0) return
    writeAll(this.io, this.fd, this.runMem.subarray(this.runStart, this.runStart + this.runLen), this.bytes)
    this.bytes += this.runLen
    this.runMem = null
    this.runLen = 0
  }

  /** Write the hash table and trailer, fsync, rename into place, fsync the directory, and register the pages.
   * Returns the number of pages written (0: no file was created). */
  finish(): number {
    if (this.hashes.length === 0) return 0
    this.flushPending()
    const table = Buffer.alloc(this.hashes.length * HASH_SIZE)
    this.hashes.forEach((h, i) => table.write(h, i * HASH_SIZE, 'hex'))
    const trailer = Buffer.alloc(TRAILER_SIZE)
    MAGIC.copy(trailer, 0)
    trailer.writeUInt32LE(this.hashes.length, 8)
    Buffer.from(sha256Hex(table), 'hex').copy(trailer, 16, 0, 16)
    writeAll(this.io, this.fd, Buffer.concat([table, trailer]), this.bytes)
    this.io.fsyncSync(this.fd)
    this.io.closeSync(this.fd)
    this.fd = -1
    this.io.renameSync(this.tmp, this.file)
    fsyncDir(this.io, path.dirname(this.file))
    this.onDurable(this.hashes)
    return this.hashes.length
  }

  /** Give up: remove the temporary file. */
  abort(): void {
    if (this.fd < 0) return
    this.io.closeSync(this.fd)
    this.fd = -1
    try {
      this.io.unlinkSync(this.tmp)
    } catch {
      // already gone
    }
  }
}

/** Read located pages into `target` at pageIndex × 4096 and verify each one's hash; returns the page indices that
 * are missing from their pack or corrupt, ascending. Consecutive slots of one pack landing on consecutive pages are
 * read with one call, straight into `target`. `fileOf(pack)` names a pack's file (undefined: gone). */
export function readLocatedPages(
  pages: LocatedPage[],
  fileOf: (pack: number) => string | undefined,
  target: Uint8Array,
  onPages?: (done: number) => void
): number[] {
  const out = asBuffer(target)
  const corrupt: number[] = []
  const located = [...pages].sort((a, b) => a.loc - b.loc)
  let done = 0
  let fd = -1
  let fdPack = -1
  try {
    let i = 0
    while (i < located.length) {
      const first = located[i]
      const packNo = Math.floor(first.loc / SLOT_RADIX)
      let j = i + 1
      while (
        j < located.length &&
        j - i < READ_RUN_PAGES &&
        located[j].loc === first.loc + (j - i) &&
        located[j].pageIndex === first.pageIndex + (j - i) &&
        Math.floor(located[j].loc / SLOT_RADIX) === packNo
      )
        j++
      if (packNo !== fdPack) {
        if (fd >= 0) fs.closeSync(fd)
        fd = -1
        fdPack = packNo
        const file = fileOf(packNo)
        try {
          if (file) fd = fs.openSync(file, 'r')
        } catch {
          fd = -1
        }
      }
      const slot = first.loc % SLOT_RADIX
      const len = (j - i) * PAGE_SIZE
      let got = 0
      if (fd >= 0) {
        try {
          got = fs.readSync(fd, out, first.pageIndex * PAGE_SIZE, len, slot * PAGE_SIZE)
        } catch {
          got = 0
        }
      }
      for (let k = i; k < j; k++) {
        const off = located[k].pageIndex * PAGE_SIZE
        const whole = (k - i + 1) * PAGE_SIZE <= got
        if (!whole || oneShotHash('sha256', out.subarray(off, off + PAGE_SIZE), 'hex') !== located[k].hash) corrupt.push(located[k].pageIndex)
      }
      done += j - i
      onPages?.(done)
      i = j
    }
  } finally {
    if (fd >= 0) fs.closeSync(fd)
  }
  return corrupt.sort((a, b) => a - b)
}
