// Reference values ("golden measurements"): the events a correct boot of the shipped images produces, computed
// from the images themselves. The verifier compares every event of a VM's log against them, in order.
import { eventTypeName } from '../vtpm/constants'
import { EngineError } from '../errors'
import { hash } from '../vtpm/kdf'
import { toHex } from '../vtpm/marshal'
import { type BootImages, plannedBootEvents } from '../vtpm/measured-boot'

export interface ReferenceEvent {
  pcr: number
  type: number
  typeName: string
  sha1: string
  sha256: string
  /** The event data (hex): checked too, since digests do not cover all of it (image load address and length,
   * the "kernel_cmdline: " prefix). */
  data: string
  description: string
}

export interface ReferenceValues {
  version: 1
  firmwareVersion: string
  cmdline: string
  kernelBytes: number
  kernelSha256: string
  events: ReferenceEvent[]
}

export function computeReferenceValues(images: BootImages): ReferenceValues {
  return {
    version: 1,
    firmwareVersion: images.firmwareVersion,
    cmdline: images.cmdline,
    kernelBytes: images.kernel.length,
    kernelSha256: toHex(hash('sha256', images.kernel)),
    events: plannedBootEvents(images).map((e) => ({
      pcr: e.pcr,
      type: e.type,
      typeName: eventTypeName(e.type),
      sha1: toHex(e.digests.sha1),
      sha256: toHex(e.digests.sha256),
      data: toHex(e.data),
      description: e.description
    }))
  }
}

function bad(reason: string): EngineError {
  return new EngineError('ATTEST_REFERENCE_INVALID', `reference values: ${reason}`, { reason })
}

/** Validates reference values read from JSON (the committed file or one a user supplies). */
export function parseReferenceValues(json: unknown): ReferenceValues {
  if (typeof json !== 'object' || json === null) throw bad('not an object')
  const o = json as Record<string, unknown>
  if (o.version !== 1) throw bad('unknown version')
  if (typeof o.firmwareVersion !== 'string' || typeof o.cmdline !== 'string' || typeof o.kernelSha256 !== 'string')
    throw bad('missing image fields')
  if (typeof o.kernelBytes !== 'number' || !Array.isArray(o.events)) throw bad('missing events')
  const events: ReferenceEvent[] = o.events.map((raw: unknown, i: number) => {
    const e = raw as Record<string, unknown>
    const hex = (v: unknown, len: number): v is string => typeof v === 'string' && new RegExp(`^[0-9a-f]{${len}}$`).test(v)
    if (typeof e !== 'object' || e === null || typeof e.pcr !== 'number' || typeof e.type !== 'number' || !hex(e.sha1, 40) || !hex(e.sha256, 64))
      throw bad(`event ${i} is malformed`)
    return {
      pcr: e.pcr,
      type: e.type,
      typeName: eventTypeName(e.type),
      sha1: e.sha1,
      sha256: e.sha256,
      data: typeof e.data === 'string' && /^[0-9a-f]*$/.test(e.data) ? e.data : '',
      description: typeof e.description === 'string' ? e.description : ''
    }
  })
  return {
    version: 1,
    firmwareVersion: o.firmwareVersion,
    cmdline: o.cmdline,
    kernelBytes: o.kernelBytes,
    kernelSha256: o.kernelSha256,
    events
  }
}
