// The migration wire format. Every frame is a Uint8Array whose first byte is its type.
//   PAGES: u8 type | u32 seq | u32 count | entries, each u32 page index | u8 kind | payload
//          kind 0 = zero page (no payload), 1 = raw page (PAGE_SIZE bytes), 2 = XBZRLE delta (u16 length + bytes),
//          3 = a run of zero pages from the index on (u32 page count)
//   STATE: u8 type | UTF-8 JSON of the machine state (snapshot/state-codec encoding)
//   control frames: u8 type | UTF-8 JSON body
// All integers little-endian. Nothing but these bytes crosses between source and destination.
import { PAGE_SIZE } from '../vmm/vm-state'
import type { MigrationParams } from './params'
import type { RefusalReason, VmDescriptor } from './blockers'
import type { RamCheck } from './state-hash'

export const FRAME_PAGES = 1
export const FRAME_STATE = 2
export const FRAME_CONTROL = 3
/** A PAGES frame's buffer handed back by the destination after applying it: acknowledges its `seq` and lets the
 * source reuse the memory (no fresh allocation, no first-touch page faults per frame). */
export const FRAME_RETURN = 4

export const PAGE_ZERO = 0
export const PAGE_RAW = 1
export const PAGE_XBZRLE = 2
/** Consecutive zero pages as one entry: round 0 of a mostly unused guest is tens of thousands of them (a 256 MiB
 * guest with 16,500 pages of data: 49,000 zero pages, 192 frames of 5-byte markers, now a handful of entries). */
export const PAGE_ZERO_RUN = 3

export const PAGES_HEADER_BYTES = 9
export const PAGE_ENTRY_HEADER_BYTES = 5
export const ZERO_RUN_ENTRY_BYTES = PAGE_ENTRY_HEADER_BYTES + 4

/** Control messages in both directions. */
export type ControlMessage =
  | { op: 'hello'; sourceHost: string; ramBytes: number; params: MigrationParams; vm: VmDescriptor }
  | { op: 'accept' }
  | { op: 'refuse'; reasons: RefusalReason[] }
  | { op: 'ack'; seq: number }
  /** Source → destination: all pages and the state are sent; verify against these hashes (RAM the way
   * `ramCheck` says: state-hash.ts RamCheck; ramHash is '' when it is 'off'). */
  | { op: 'switchover'; ramCheck: RamCheck; ramHash: string; stateHash: string }
  /** Destination → source: what it holds now (and, for a failover pair, whether it plugged a VF: stats.ts). */
  | { op: 'ready'; ramHash: string; stateHash: string; failover?: 'primary' | 'standby' }
  /** Source → destination: resume the guest. */
  | { op: 'go' }
  /** Source → destination: drop the incoming VM (cancel, verification failure). */
  | { op: 'abort'; code: string }
  /** Source → destination: post-copy starts; the state frame just sent is the VM's. */
  | { op: 'postcopy'; stateHash: string }
  /** Destination → source (post-copy): pages it needs now plus a background budget in bytes; its clock in ns. */
  | { op: 'pull'; demand: number[]; budget: number; clockNs: number; runNs: number; faults: number }
  /** Destination → source (post-copy): every page is installed. (No RAM hash: the guest has been running here
   * since the switch, so there is nothing at the source to compare it with.) */
  | { op: 'postcopy-done'; clockNs: number; failover?: 'primary' | 'standby' }
  | { op: 'error'; code: string; params: Record<string, string | number> }

export type ControlOp = ControlMessage['op']

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder()

export function encodeControl(msg: ControlMessage): Uint8Array {
  const body = utf8Encoder.encode(JSON.stringify(msg))
  const out = new Uint8Array(1 + body.length)
  out[0] = FRAME_CONTROL
  out.set(body, 1)
  return out
}

export function encodeJsonFrame(type: number, json: string): Uint8Array {
  const body = utf8Encoder.encode(json)
  const out = new Uint8Array(1 + body.length)
  out[0] = type
  out.set(body, 1)
  return out
}

export function frameJson(frame: Uint8Array): unknown {
  return JSON.parse(utf8Decoder.decode(frame.subarray(1)))
}

/** One page entry as it will be written: kind and, for raw/xbzrle, the payload bytes. */
export interface PageEntry {
  index: number
  kind: typeof PAGE_ZERO | typeof PAGE_RAW | typeof PAGE_XBZRLE
  payload: Uint8Array | null
}

export function entryWireBytes(e: PageEntry): number {
  if (e.kind === PAGE_ZERO) return PAGE_ENTRY_HEADER_BYTES
  if (e.kind === PAGE_RAW) return PAGE_ENTRY_HEADER_BYTES + PAGE_SIZE
  return PAGE_ENTRY_HEADER_BYTES + 2 + (e.payload?.length ?? 0)
}

/** Encode a PAGES frame, into `into` when it is large enough (the frame is then a view of its first bytes). */
export function encodePages(seq: number, entries: readonly PageEntry[], into?: ArrayBuffer): Uint8Array {
  let size = PAGES_HEADER_BYTES
  for (const e of entries) size += entryWireBytes(e)
  const w = new PagesFrameWriter(into && into.byteLength >= size ? into : new ArrayBuffer(size))
  w.begin(seq)
  for (const e of entries) {
    if (e.kind === PAGE_RAW && e.payload) w.addRaw(e.index, e.payload, 0)
    else if (e.kind === PAGE_XBZRLE && e.payload) w.addDelta(e.index, e.payload)
    else w.addZero(e.index)
  }
  return w.finish()
}

/** Writes one PAGES frame straight into a (reused) buffer: no entry objects, page bytes copied once, from guest
 * RAM into the frame. `room` tells whether an entry of n wire bytes still fits. */
export class PagesFrameWriter {
  private readonly bytes: Buffer
  private readonly view: DataView
  private o = PAGES_HEADER_BYTES
  private n = 0

  constructor(readonly buffer: ArrayBuffer) {
    this.bytes = Buffer.from(buffer)
    this.view = new DataView(buffer)
  }

  get count(): number {
    return this.n
  }

  get size(): number {
    return this.o
  }

  begin(seq: number): void {
    this.bytes[0] = FRAME_PAGES
    this.view.setUint32(1, seq, true)
    this.o = PAGES_HEADER_BYTES
    this.n = 0
  }

  room(wireBytes: number): boolean {
    return this.o + wireBytes <= this.bytes.length
  }

  private entry(index: number, kind: number): void {
    this.view.setUint32(this.o, index, true)
    this.bytes[this.o + 4] = kind
    this.o += PAGE_ENTRY_HEADER_BYTES
    this.n++
  }

  addZero(index: number): void {
    this.entry(index, PAGE_ZERO)
  }

  /** `count` zero pages from `index` on (one entry; a single page is a plain zero marker). */
  addZeroRun(index: number, count: number): void {
    if (count === 1) {
      this.addZero(index)
      return
    }
    this.entry(index, PAGE_ZERO_RUN)
    this.view.setUint32(this.o, count, true)
    this.o += 4
  }

  /** A raw page: PAGE_SIZE bytes of `src` from `offset` (pass a Buffer to copy without a view per page). */
  addRaw(index: number, src: Uint8Array, offset: number): void {
    this.entry(index, PAGE_RAW)
    if (Buffer.isBuffer(src)) src.copy(this.bytes, this.o, offset, offset + PAGE_SIZE)
    else this.bytes.set(src.subarray(offset, offset + PAGE_SIZE), this.o)
    this.o += PAGE_SIZE
  }

  addDelta(index: number, delta: Uint8Array): void {
    this.entry(index, PAGE_XBZRLE)
    this.view.setUint16(this.o, delta.length, true)
    this.bytes.set(delta, this.o + 2)
    this.o += 2 + delta.length
  }

  /** The frame: a view of the buffer's first `size` bytes (transfer `buffer` with it). */
  finish(): Uint8Array {
    this.view.setUint32(5, this.n, true)
    return new Uint8Array(this.buffer, 0, this.o)
  }
}

/** Calls `visit` for each page of a PAGES frame (payload is a view into the frame; each page of a zero run is
 * visited as a zero page). Returns the sequence number. */
export function decodePages(
  frame: Uint8Array,
  visit: (index: number, kind: number, payload: Uint8Array | null) => void
): number {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const seq = dv.getUint32(1, true)
  const count = dv.getUint32(5, true)
  let o = PAGES_HEADER_BYTES
  for (let i = 0; i < count; i++) {
    const index = dv.getUint32(o, true)
    const kind = frame[o + 4]
    o += PAGE_ENTRY_HEADER_BYTES
    if (kind === PAGE_ZERO) {
      visit(index, kind, null)
    } else if (kind === PAGE_RAW) {
      visit(index, kind, frame.subarray(o, o + PAGE_SIZE))
      o += PAGE_SIZE
    } else if (kind === PAGE_XBZRLE) {
      const len = dv.getUint16(o, true)
      visit(index, kind, frame.subarray(o + 2, o + 2 + len))
      o += 2 + len
    } else if (kind === PAGE_ZERO_RUN) {
      const n = dv.getUint32(o, true)
      o += 4
      for (let k = 0; k < n; k++) visit(index + k, PAGE_ZERO, null)
    } else {
      throw new RangeError(`bad page kind ${kind}`)
    }
  }
  return seq
}
