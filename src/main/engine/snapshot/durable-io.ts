// Crash-safe file writing. Every file the store writes goes to a temporary name, is fsynced, renamed into place,
// and then the directory is fsynced, so a process killed (or a machine losing power) at any moment leaves either
// the old file or the complete new one. The write primitives go through `DurableIo` so tests can inject faults
// (kill the process in the middle of a write, between a rename and a directory sync, ...).
import * as fs from 'node:fs'
import * as path from 'node:path'

/** The fs calls that change the disk. Reads use node:fs directly. */
export interface DurableIo {
  openSync(file: string, flags: string): number
  writeSync(fd: number, data: Uint8Array, offset: number, length: number, position: number | null): number
  fsyncSync(fd: number): void
  closeSync(fd: number): void
  renameSync(from: string, to: string): void
  unlinkSync(file: string): void
  mkdirSync(dir: string): void
  rmSync(target: string): void
}

export const nodeIo: DurableIo = {
  openSync: (file, flags) => fs.openSync(file, flags),
  writeSync: (fd, data, offset, length, position) => fs.writeSync(fd, data, offset, length, position),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (file) => fs.unlinkSync(file),
  mkdirSync: (dir) => fs.mkdirSync(dir, { recursive: true }),
  rmSync: (target) => fs.rmSync(target, { recursive: true, force: true })
}

/** Suffix of every temporary file or directory; anything ending in it is a leftover of an interrupted write. */
export const TEMP_SUFFIX = '.tmp'

export function writeAll(io: DurableIo, fd: number, data: Uint8Array, position: number | null = null): void {
  let done = 0
  while (done < data.length) {
    const n = io.writeSync(fd, data, done, data.length - done, position === null ? null : position + done)
    done += n
  }
}

/** fsync a directory so a rename or unlink inside it is durable. */
export function fsyncDir(io: DurableIo, dir: string): void {
  const fd = io.openSync(dir, 'r')
  try {
    io.fsyncSync(fd)
  } finally {
    io.closeSync(fd)
  }
}

/** Write `data` to `file` atomically: temp file, fsync, rename, fsync the directory. */
export function writeFileAtomic(io: DurableIo, file: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const tmp = file + TEMP_SUFFIX
  const fd = io.openSync(tmp, 'w')
  try {
    writeAll(io, fd, bytes, 0)
    io.fsyncSync(fd)
  } finally {
    io.closeSync(fd)
  }
  io.renameSync(tmp, file)
  fsyncDir(io, path.dirname(file))
}

/** Remove a file and make the removal durable. */
export function unlinkDurable(io: DurableIo, file: string): void {
  io.unlinkSync(file)
  fsyncDir(io, path.dirname(file))
}

/** Create a directory (and parents) and make its entry durable in the parent. */
export function mkdirDurable(io: DurableIo, dir: string): void {
  if (fs.existsSync(dir)) return
  io.mkdirSync(dir)
  fsyncDir(io, path.dirname(dir))
}
