// Ethernet frames as plain bytes, and the two interfaces that connect a NIC model to a network: a NIC sends
// through a FrameTx, a network delivers to a FrameRx.

export type Mac = Uint8Array // 6 bytes

export interface FrameTx {
  transmit(frame: Uint8Array): void
}

export interface FrameRx {
  receive(frame: Uint8Array): void
}

export const BROADCAST: Mac = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
export const ETHERTYPE_ARP = 0x0806
export const ETHERTYPE_IPV4 = 0x0800
/** Our experimental ethertype for generated test traffic (IEEE 802 "local experimental" 0x88B5). */
export const ETHERTYPE_TEST = 0x88b5
export const ETH_HEADER = 14
export const ETH_MIN_FRAME = 60 // without FCS

export function macToString(mac: Mac): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':')
}

export function macFromString(text: string): Mac {
  const parts = text.split(':')
  if (parts.length !== 6) throw new RangeError(`bad MAC ${text}`)
  return new Uint8Array(parts.map((p) => parseInt(p, 16) & 0xff))
}

/** Locally administered unicast MAC 52:54:00:12:xx:yy for a NIC number, as QEMU numbers its NICs. */
export function macForNic(n: number): Mac {
  return new Uint8Array([0x52, 0x54, 0x00, 0x12, (n >> 8) & 0xff, n & 0xff])
}

export function dstMac(frame: Uint8Array): Mac {
  return frame.subarray(0, 6)
}

export function srcMac(frame: Uint8Array): Mac {
  return frame.subarray(6, 12)
}

export function etherType(frame: Uint8Array): number {
  return frame.length >= 14 ? (frame[12] << 8) | frame[13] : -1
}

export function isMulticast(mac: Mac): boolean {
  return (mac[0] & 1) === 1
}

export function buildFrame(dst: Mac, src: Mac, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(Math.max(ETH_MIN_FRAME, ETH_HEADER + payload.length))
  f.set(dst, 0)
  f.set(src, 6)
  f[12] = type >> 8
  f[13] = type & 0xff
  f.set(payload, ETH_HEADER)
  return f
}

/** A test-traffic frame: 32-bit big-endian sequence number and the send time (virtual cycles, 48 bits). */
export function buildTestFrame(dst: Mac, src: Mac, seq: number, sentAt: number, size: number): Uint8Array {
  const payload = new Uint8Array(Math.max(12, size - ETH_HEADER))
  const v = new DataView(payload.buffer)
  v.setUint32(0, seq >>> 0)
  v.setUint16(4, Math.floor(sentAt / 2 ** 32) & 0xffff)
  v.setUint32(6, sentAt >>> 0)
  return buildFrame(dst, src, ETHERTYPE_TEST, payload)
}

export function parseTestFrame(frame: Uint8Array): { seq: number; sentAt: number } | null {
  if (etherType(frame) !== ETHERTYPE_TEST || frame.length < ETH_HEADER + 10) return null
  const v = new DataView(frame.buffer, frame.byteOffset + ETH_HEADER)
  return { seq: v.getUint32(0), sentAt: v.getUint16(4) * 2 ** 32 + v.getUint32(6) }
}

export function sameMac(a: Mac, b: Mac): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false
  return true
}
