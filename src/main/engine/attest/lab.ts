// The attestation page's operations on one VM's vTPM, as plain functions over bytes and DTO-shaped data:
// (re)boot with an optional tamper, a full remote attestation (agent and verifier exchanging bytes in process),
// PCR table, event log table. The service keeps the VTpm and persists it; this file holds no state.
import { EV_EFI_BOOT_SERVICES_APPLICATION, EV_IPL, EV_S_CRTM_VERSION, EV_SEPARATOR, eventTypeName } from '../vtpm/constants'
import { parseEventLog, measuredBytes } from '../vtpm/eventlog'
import { ByteReader, toHex } from '../vtpm/marshal'
import { measureVmBoot } from '../vtpm'
import type { AkKind, VTpm } from '../vtpm/vtpm'
import { agentIdentity, agentRespond } from './agent'
import type { ReferenceValues } from './reference'
import { type AttestationReport, RemoteVerifier } from './verifier'

/** What the tamper demonstration changes in the next boot: one kernel byte (XOR 0xff at an offset) and/or the
 * command line. */
export interface Tamper {
  kernelByte: number | null
  cmdline: string | null
}

export const NO_TAMPER: Tamper = { kernelByte: null, cmdline: null }

/** The kernel bytes and command line a boot uses under the tamper (the kernel is copied when a byte flips). */
export function applyTamper(kernel: Uint8Array, cmdline: string, tamper: Tamper): { kernel: Uint8Array; cmdline: string } {
  let k = kernel
  if (tamper.kernelByte !== null && kernel.length > 0) {
    k = kernel.slice()
    k[Math.min(Math.max(0, tamper.kernelByte), k.length - 1)] ^= 0xff
  }
  return { kernel: k, cmdline: tamper.cmdline ?? cmdline }
}

/** Boot (measure) the VM's images, applying the tamper: returns the command line measured. */
export function bootWithTamper(vtpm: VTpm, kernel: Uint8Array, cmdline: string, tamper: Tamper, virtualTimeMs = 0): { cmdline: string } {
  const t = applyTamper(kernel, cmdline, tamper)
  measureVmBoot(vtpm, t.kernel, t.cmdline, virtualTimeMs)
  return { cmdline: t.cmdline }
}

export interface PcrTable {
  sha1: string[]
  sha256: string[]
}

export function pcrTable(vtpm: VTpm): PcrTable {
  const out: PcrTable = { sha1: [], sha256: [] }
  for (let p = 0; p < 24; p++) {
    out.sha1.push(toHex(vtpm.pcrRead('sha1', p)))
    out.sha256.push(toHex(vtpm.pcrRead('sha256', p)))
  }
  return out
}

export interface EventRow {
  /** Event number as tpm2_eventlog counts them (the Spec ID header is 0). */
  index: number
  pcr: number
  type: string
  sha1: string
  sha256: string
  /** What the event says, in plain text: a string, or the kernel image's load address and length. */
  detail: string
}

function detailOf(type: number, data: Uint8Array, measured: Uint8Array | null): string {
  const text = (b: Uint8Array): string => new TextDecoder().decode(b)
  if (type === EV_S_CRTM_VERSION || type === EV_IPL) return measured ? text(measured) : text(data)
  if (type === EV_SEPARATOR) return `0x${toHex(data)}`
  if (type === EV_EFI_BOOT_SERVICES_APPLICATION && data.length >= 16) {
    const r = new ByteReader(data, 'UEFI_IMAGE_LOAD_EVENT')
    const at = r.u64le()
    const len = r.u64le()
    return `image at 0x${at.toString(16)}, ${len} bytes`
  }
  return `${data.length} bytes`
}

export function eventTable(vtpm: VTpm): EventRow[] {
  if (vtpm.eventLog.length === 0) return []
  return parseEventLog(vtpm.eventLog).map((e, i) => ({
    index: i + 1,
    pcr: e.pcr,
    type: eventTypeName(e.type),
    sha1: toHex(e.digests.sha1),
    sha256: toHex(e.digests.sha256),
    detail: detailOf(e.type, e.data, measuredBytes(e))
  }))
}

/** A full attestation: the verifier (with its own randomness) challenges, the agent answers from the vTPM. */
export function attestVm(
  vtpm: VTpm,
  kind: AkKind,
  trust: { caCertificate: Uint8Array; reference: ReferenceValues },
  random: (n: number) => Uint8Array
): AttestationReport {
  const verifier = new RemoteVerifier({ ...trust, random })
  const challenge = verifier.challenge(agentIdentity(vtpm, kind))
  return verifier.verify(agentRespond(vtpm, challenge, kind))
}

