// The request/response protocol of the guest kernel's `web` workload (docs/guest.md, "web"): plain Ethernet frames
// of ethertype 0x88B6 (IEEE 802 local experimental 2; 0x88B5 is the endpoint's test traffic). Payload, big endian:
//   0  u8  op        1 = request, 2 = response
//   1  u8  reserved[3]
//   4  u32 id        request id, echoed
//   8  u32 counter   0 in requests; in responses the number of requests the server has answered, this one included
//  12  ...           client bytes (here: the send time in virtual ns, u16 high + u32 low), echoed unchanged
import { ETH_HEADER, buildFrame, etherType, type Mac } from './frame'

export const ETHERTYPE_WEB = 0x88b6
export const WEB_OP_REQUEST = 1
export const WEB_OP_RESPONSE = 2

export interface WebMessage {
  op: number
  id: number
  counter: number
  /** Virtual time the client stamped into the request (echoed by the server). */
  sentAt: number
}

export function buildWebRequest(dst: Mac, src: Mac, id: number, sentAt: number): Uint8Array {
  const p = new Uint8Array(18)
  const v = new DataView(p.buffer)
  p[0] = WEB_OP_REQUEST
  v.setUint32(4, id >>> 0)
  v.setUint16(12, Math.floor(sentAt / 2 ** 32) & 0xffff)
  v.setUint32(14, sentAt >>> 0)
  return buildFrame(dst, src, ETHERTYPE_WEB, p)
}

export function parseWebFrame(frame: Uint8Array): WebMessage | null {
  if (etherType(frame) !== ETHERTYPE_WEB || frame.length < ETH_HEADER + 18) return null
  const v = new DataView(frame.buffer, frame.byteOffset + ETH_HEADER)
  return { op: v.getUint8(0), id: v.getUint32(4), counter: v.getUint32(8), sentAt: v.getUint16(12) * 2 ** 32 + v.getUint32(14) }
}
