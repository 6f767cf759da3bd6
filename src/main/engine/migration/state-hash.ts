// Byte-exact identity of what migrates: RAM and machine state hashed with SHA-256. The state is hashed in a
// canonical JSON form (keys sorted) of the snapshot encoding, so two VMs holding the same state hash the same
// regardless of key order.
import { createHash } from 'node:crypto'
import { encodeMachineState, decodeMachineState, type Json, type StoredMachineState } from '../snapshot/state-codec'
import type { VmMachineState } from '../vmm/vm-state'

function canonical(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
}

/** The state as canonical JSON text (what travels in the STATE frame). */
export function stateToCanonicalJson(state: VmMachineState): string {
  return canonical(encodeMachineState(state) as unknown as Json)
}

export function stateFromJson(text: string): VmMachineState {
  return decodeMachineState(JSON.parse(text) as StoredMachineState)
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function stateHash(state: VmMachineState): string {
  return sha256Hex(stateToCanonicalJson(state))
}

export function ramHash(ram: Uint8Array): string {
  return sha256Hex(ram)
}
