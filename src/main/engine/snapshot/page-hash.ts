// Pages are named by the SHA-256 of their 4 KiB content (lower-case hex). Zero pages are never stored.
import { createHash, hash as oneShotHash } from 'node:crypto'
import { PAGE_SIZE } from '../vmm/vm-state'

const ZERO_PAGE = Buffer.alloc(PAGE_SIZE)

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function isZeroPage(mem: Buffer, offset: number): boolean {
  return mem.compare(ZERO_PAGE, 0, PAGE_SIZE, offset, offset + PAGE_SIZE) === 0
}

/** SHA-256 of one page as hex. */
export function pageHash(mem: Buffer, offset: number): string {
  return oneShotHash('sha256', mem.subarray(offset, offset + PAGE_SIZE), 'hex')
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

