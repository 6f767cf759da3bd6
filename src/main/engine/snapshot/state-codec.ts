// VM machine state <-> JSON. VmMachineState is plain data except for byte arrays (vTPM blob, device buffers),
// which are written as { "$bytes": base64, "$type": "Uint8Array" } so manifests stay plain JSON.
import type { VmMachineState } from '../vmm/vm-state'
import { snapshotError } from './errors'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

const TYPED_ARRAYS = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  Uint8ClampedArray
} as const
type TypedArrayName = keyof typeof TYPED_ARRAYS

function typedName(value: ArrayBufferView): TypedArrayName | null {
  const name = value.constructor.name
  return name in TYPED_ARRAYS ? (name as TypedArrayName) : null
}

/** Encode any plain-data value (objects, arrays, numbers, strings, booleans, null, typed arrays) as JSON data. */
export function toJson(value: unknown, where = 'state'): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw snapshotError('SNAPSHOT_STATE_UNSERIALIZABLE', { path: where })
    return value
  }
  if (ArrayBuffer.isView(value)) {
    const name = value instanceof Buffer ? 'Uint8Array' : typedName(value)
    if (name === null) throw snapshotError('SNAPSHOT_STATE_UNSERIALIZABLE', { path: where })
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    return { $type: name, $bytes: bytes.toString('base64') }
  }
  if (Array.isArray(value)) return value.map((v, i) => toJson(v, `${where}[${i}]`))
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue
      out[k] = toJson(v, `${where}.${k}`)
    }
    return out
  }
  throw snapshotError('SNAPSHOT_STATE_UNSERIALIZABLE', { path: where })
}

/** Inverse of toJson: typed arrays come back as their own type. */
export function fromJson(value: Json): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(fromJson)
  const type = value['$type']
  const b64 = value['$bytes']
  if (typeof type === 'string' && typeof b64 === 'string' && type in TYPED_ARRAYS) {
    const bytes = Buffer.from(b64, 'base64')
    const Ctor = TYPED_ARRAYS[type as TypedArrayName]
    const copy = new Uint8Array(bytes.length)
    copy.set(bytes)
    return new Ctor(copy.buffer, 0, bytes.length / Ctor.BYTES_PER_ELEMENT)
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = fromJson(v)
  return out
}

/** The machine state as stored in a manifest: vTPM as base64, the rest through toJson. */
export interface StoredMachineState {
  version: number
  hart: Json
  devices: Json
  vmm: Json
  vtpm: string | null
}

export function encodeMachineState(state: VmMachineState): StoredMachineState {
  return {
    version: state.version,
    hart: toJson(state.hart, 'hart'),
    devices: toJson(state.devices, 'devices'),
    vmm: toJson(state.vmm, 'vmm'),
    vtpm: state.vtpm === null ? null : Buffer.from(state.vtpm.buffer, state.vtpm.byteOffset, state.vtpm.byteLength).toString('base64')
  }
}

export function decodeMachineState(stored: StoredMachineState): VmMachineState {
  let vtpm: Uint8Array | null = null
  if (stored.vtpm !== null) {
    const b = Buffer.from(stored.vtpm, 'base64')
    vtpm = new Uint8Array(b.length)
    vtpm.set(b)
  }
  return {
    version: 1,
    hart: fromJson(stored.hart) as VmMachineState['hart'],
    devices: fromJson(stored.devices) as VmMachineState['devices'],
    vmm: fromJson(stored.vmm) as VmMachineState['vmm'],
    vtpm
  }
}
