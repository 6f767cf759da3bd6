// The PCR file `tpm2_quote -o` writes (tpm2-tools 5.4): raw little-endian C structs.
//   TPML_PCR_SELECTION  count u32, then 16 × { hash u16, sizeofSelect u8, pcrSelect[4], 1 byte padding } = 132 B
//   u32                 number of TPML_DIGEST that follow
//   TPML_DIGEST × n     count u32, then 8 × TPM2B_DIGEST { size u16, buffer[64] } = 532 B each
// PCR values follow the selection order, at most 8 per TPML_DIGEST.
import { HASH_ALG_ID, hashNameOf } from './constants'
import { EngineError } from '../errors'
import { ByteReader, ByteWriter } from './marshal'
import type { PcrSelection } from './structures'

const MAX_BANKS = 16
const DIGESTS_PER_LIST = 8

export function encodePcrsFile(selection: readonly PcrSelection[], values: readonly Uint8Array[]): Uint8Array {
  if (selection.length > MAX_BANKS) throw new EngineError('VTPM_MARSHAL_BAD_COUNT', 'too many PCR banks', { count: selection.length })
  const w = new ByteWriter().u32le(selection.length)
  for (let i = 0; i < MAX_BANKS; i++) {
    const s = selection[i]
    const bits = new Uint8Array(4)
    if (s) for (const p of s.pcrs) bits[p >> 3] |= 1 << (p & 7)
    w.u16le(s ? HASH_ALG_ID[s.hash] : 0).u8(s ? 3 : 0).bytes(bits).u8(0)
  }
  const lists = Math.ceil(values.length / DIGESTS_PER_LIST)
  w.u32le(lists)
  for (let l = 0; l < lists; l++) {
    const chunk = values.slice(l * DIGESTS_PER_LIST, (l + 1) * DIGESTS_PER_LIST)
    w.u32le(chunk.length)
    for (let i = 0; i < DIGESTS_PER_LIST; i++) {
      const buf = new Uint8Array(64)
      const v = chunk[i]
      if (v) buf.set(v)
      w.u16le(v ? v.length : 0).bytes(buf)
    }
  }
  return w.finish()
}

/** The file is written from zeroed C structs: anything in an unused slot means it was altered. */
function nonZero(what: string, index: number): EngineError {
  return new EngineError('VTPM_MARSHAL_BAD_COUNT', `PCR file: unused ${what} slot ${index} is not zero`, { count: index })
}

/** Parses a PCR file strictly: unused selection entries and digest bytes must be zero. */
export function parsePcrsFile(bytes: Uint8Array): { selection: PcrSelection[]; values: Uint8Array[] } {
  const r = new ByteReader(bytes, 'PCR file')
  const count = r.u32le()
  if (count > MAX_BANKS) throw new EngineError('VTPM_MARSHAL_BAD_COUNT', 'PCR file: bank count', { count })
  const selection: PcrSelection[] = []
  for (let i = 0; i < MAX_BANKS; i++) {
    const alg = r.u16le()
    const size = r.u8()
    const bits = r.bytes(4)
    const pad = r.u8()
    if (i >= count) {
      if (alg !== 0 || size !== 0 || bits.some((b) => b !== 0) || pad !== 0) throw nonZero('selection', i)
      continue
    }
    const hash = hashNameOf(alg)
    if (size !== 3 || bits[3] !== 0 || pad !== 0) throw nonZero('selection', i)
    if (!hash) throw new EngineError('VTPM_UNSUPPORTED_ALG', `PCR file: bank 0x${alg.toString(16)}`, { field: 'PCR bank', value: alg })
    const pcrs: number[] = []
    for (let p = 0; p < size * 8; p++) if (bits[p >> 3] & (1 << (p & 7))) pcrs.push(p)
    selection.push({ hash, pcrs })
  }
  const lists = r.u32le()
  const values: Uint8Array[] = []
  for (let l = 0; l < lists; l++) {
    const n = r.u32le()
    if (n > DIGESTS_PER_LIST) throw new EngineError('VTPM_MARSHAL_BAD_COUNT', 'PCR file: digest count', { count: n })
    for (let i = 0; i < DIGESTS_PER_LIST; i++) {
      const size = r.u16le()
      const buf = r.bytes(64)
      if (size > 64 || (i >= n && size !== 0) || buf.subarray(i < n ? size : 0).some((b) => b !== 0)) throw nonZero('digest', l * DIGESTS_PER_LIST + i)
      if (i < n) values.push(buf.slice(0, size))
    }
  }
  r.end()
  return { selection, values }
}
