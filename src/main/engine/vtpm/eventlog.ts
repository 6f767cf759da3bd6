// The TCG PC Client crypto-agile event log (TCG PC Client Platform Firmware Profile, 10.2): a header event in the
// SHA1 log format (TCG_PCClientPCREvent, EV_NO_ACTION, "Spec ID Event03") followed by TCG_PCR_EVENT2 entries with
// a sha1 and a sha256 digest each. All integers little-endian. Also parsing and replay (what a verifier does).
import { BANKS, EV_IPL, EV_NO_ACTION, EV_S_CRTM_VERSION, EV_SEPARATOR, HASH_ALG_ID, HASH_SIZE, hashNameOf, type HashName, PCR_COUNT } from './constants'
import { EngineError } from '../errors'
import { hash } from './kdf'
import { ByteReader, ByteWriter, bytesEqual } from './marshal'

export interface LogEvent {
  pcr: number
  type: number
  digests: Record<HashName, Uint8Array>
  data: Uint8Array
}

const SPEC_ID_SIGNATURE = 'Spec ID Event03\0'

/** The header: TCG_PCClientPCREvent carrying TCG_EfiSpecIDEvent (platform class 0 = client, spec 2.0, errata 0,
 * uintnSize 2 = UINT64, algorithms sha1/20 and sha256/32, no vendor info). */
export function specIdHeader(): Uint8Array {
  const ev = new ByteWriter().bytes(new TextEncoder().encode(SPEC_ID_SIGNATURE))
  ev.u32le(0).u8(0).u8(2).u8(0).u8(2)
  ev.u32le(BANKS.length)
  for (const b of BANKS) ev.u16le(HASH_ALG_ID[b]).u16le(HASH_SIZE[b])
  ev.u8(0)
  const data = ev.finish()
  return new ByteWriter().u32le(0).u32le(EV_NO_ACTION).bytes(new Uint8Array(20)).u32le(data.length).bytes(data).finish()
}

export function encodeEvent(e: LogEvent): Uint8Array {
  const w = new ByteWriter().u32le(e.pcr).u32le(e.type).u32le(BANKS.length)
  for (const b of BANKS) w.u16le(HASH_ALG_ID[b]).bytes(e.digests[b])
  return w.u32le(e.data.length).bytes(e.data).finish()
}

/** digests of `measured` in every bank. */
export function digestsOf(measured: Uint8Array): Record<HashName, Uint8Array> {
  return { sha1: hash('sha1', measured), sha256: hash('sha256', measured) }
}

function logError(message: string, offset: number): EngineError {
  return new EngineError('EVENTLOG_MALFORMED', `event log: ${message} at byte ${offset}`, { offset, reason: message })
}

/** Parses a crypto-agile log; throws EVENTLOG_MALFORMED with the byte offset on anything unexpected. */
export function parseEventLog(bytes: Uint8Array): LogEvent[] {
  const r = new ByteReader(bytes, 'event log')
  try {
    if (r.u32le() !== 0 || r.u32le() !== EV_NO_ACTION) throw logError('the first event is not the Spec ID header', 0)
    if (r.bytes(20).some((b) => b !== 0)) throw logError('the Spec ID header digest is not zero', 8)
    const hr = new ByteReader(r.bytes(r.u32le()), 'Spec ID event')
    if (new TextDecoder().decode(hr.bytes(16)) !== SPEC_ID_SIGNATURE) throw logError('no "Spec ID Event03" signature', 32)
    hr.bytes(8)
    const sizes = new Map<number, number>()
    const n = hr.u32le()
    for (let i = 0; i < n; i++) sizes.set(hr.u16le(), hr.u16le())
    const events: LogEvent[] = []
    while (r.remaining > 0) {
      const at = r.offset
      const pcr = r.u32le()
      const type = r.u32le()
      const count = r.u32le()
      if (pcr >= PCR_COUNT) throw logError(`PCR index ${pcr}`, at)
      const digests: Partial<Record<HashName, Uint8Array>> = {}
      for (let i = 0; i < count; i++) {
        const alg = r.u16le()
        const size = sizes.get(alg)
        if (size === undefined) throw logError(`digest algorithm 0x${alg.toString(16)} not in the header`, at)
        const d = r.bytes(size)
        const name = hashNameOf(alg)
        if (name) digests[name] = d
      }
      if (!digests.sha1 || !digests.sha256) throw logError('an event lacks a sha1 or sha256 digest', at)
      events.push({ pcr, type, digests: { sha1: digests.sha1, sha256: digests.sha256 }, data: r.bytes(r.u32le()) })
    }
    return events
  } catch (e) {
    if (e instanceof EngineError && e.code === 'VTPM_MARSHAL_TRUNCATED') throw logError('truncated', r.offset)
    throw e
  }
}

/** Replays events into fresh banks (EV_NO_ACTION events are not extended). */
export function replayEventLog(events: readonly LogEvent[]): Record<HashName, Uint8Array[]> {
  const banks: Record<HashName, Uint8Array[]> = { sha1: [], sha256: [] }
  for (const b of BANKS) banks[b] = Array.from({ length: PCR_COUNT }, () => new Uint8Array(HASH_SIZE[b]))
  for (const e of events) {
    if (e.type === EV_NO_ACTION) continue
    for (const b of BANKS) banks[b][e.pcr] = hash(b, banks[b][e.pcr], e.digests[b])
  }
  return banks
}

/** The bytes an event's digest covers when they are in the event itself: the whole data for EV_S_CRTM_VERSION and
 * EV_SEPARATOR; for EV_IPL the text after the first space without the trailing NUL (GRUB's "kernel_cmdline: …"
 * form, the rule tpm2_eventlog applies to PCR 8); null for events whose digest covers something else (an image). */
export function measuredBytes(e: LogEvent): Uint8Array | null {
  if (e.type === EV_S_CRTM_VERSION || e.type === EV_SEPARATOR) return e.data
  if (e.type === EV_IPL) {
    const space = e.data.indexOf(0x20)
    if (space < 0 || e.data[e.data.length - 1] !== 0) return null
    return e.data.subarray(space + 1, e.data.length - 1)
  }
  return null
}

/** False if the event carries its measured bytes and they do not hash to its digests. */
export function digestMatchesData(e: LogEvent): boolean {
  const m = measuredBytes(e)
  if (!m) return true
  const d = digestsOf(m)
  return bytesEqual(d.sha1, e.digests.sha1) && bytesEqual(d.sha256, e.digests.sha256)
}
