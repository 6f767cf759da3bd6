// Measured boot: what the VMM's virtual firmware calls with the bytes it actually loads, before the guest runs.
//   PCR 0  EV_S_CRTM_VERSION  the firmware version string (its UTF-8 bytes)
//   PCR 0-7 EV_SEPARATOR      0x00000000, the end of the pre-OS measurements
//   PCR 4  EV_EFI_BOOT_SERVICES_APPLICATION  the kernel ELF file as loaded (digest = H(whole ELF image); event
//          data = UEFI_IMAGE_LOAD_EVENT with load address and length). PCR 4 is the PC Client PCR for "boot
//          manager code": the code the firmware hands control to. Our firmware starts the kernel directly, so the
//          kernel is that code; PCR 9 (used by GRUB for files it reads) would imply a boot loader we do not have.
//   PCR 8  EV_IPL             the kernel command line, recorded as GRUB does: event data "kernel_cmdline: <line>\0",
//          digest = H(<line>) (UTF-8, without the NUL): tpm2_eventlog checks PCR 8 EV_IPL digests this way.
// Every measurement extends the vTPM (sha1 and sha256 banks) and appends a TCG_PCR_EVENT2 to the log.
// No EV_NO_ACTION events follow the header (tpm2-tools 5.4 would wrongly replay them).
import {
  EV_EFI_BOOT_SERVICES_APPLICATION,
  EV_IPL,
  EV_S_CRTM_VERSION,
  EV_SEPARATOR
} from './constants'
import { digestsOf, encodeEvent, type LogEvent, specIdHeader } from './eventlog'
import { ByteWriter, concatBytes } from './marshal'
import type { VTpm } from './vtpm'

/** The prefix of the EV_IPL event that carries the kernel command line (as GRUB writes it). */
export const CMDLINE_PREFIX = 'kernel_cmdline: '

export interface BootImages {
  /** e.g. "VMM Workbench firmware 1.0" */
  firmwareVersion: string
  /** The kernel ELF file bytes the firmware loads. */
  kernel: Uint8Array
  /** Guest-physical address the image is loaded at (RAM base by default). */
  kernelLoadAddress?: number
  cmdline: string
}

export interface PlannedEvent extends LogEvent {
  /** A short English description for logs and the UI. */
  description: string
}

/** UEFI_IMAGE_LOAD_EVENT: location u64, length u64, link-time address u64, device path length u64, device path
 * (one End-of-Hardware-Device-Path node: type 0x7f, subtype 0xff, length 4). */
function imageLoadEvent(address: number, length: number): Uint8Array {
  const endNode = Uint8Array.from([0x7f, 0xff, 0x04, 0x00])
  const w = new ByteWriter().u64le(BigInt(address)).u64le(BigInt(length)).u64le(0n).u64le(BigInt(endNode.length))
  return w.bytes(endNode).finish()
}

/** The events a boot with these images produces, in order (pure: also used to compute reference values). */
export function plannedBootEvents(images: BootImages): PlannedEvent[] {
  const utf8 = new TextEncoder()
  const fw = utf8.encode(images.firmwareVersion)
  const cmd = utf8.encode(images.cmdline)
  const cmdEvent = utf8.encode(`${CMDLINE_PREFIX}${images.cmdline}\0`)
  const sep = new Uint8Array(4)
  const events: PlannedEvent[] = [
    { pcr: 0, type: EV_S_CRTM_VERSION, digests: digestsOf(fw), data: fw, description: `firmware version "${images.firmwareVersion}"` }
  ]
  for (let pcr = 0; pcr < 8; pcr++)
    events.push({ pcr, type: EV_SEPARATOR, digests: digestsOf(sep), data: sep, description: 'separator' })
  events.push({
    pcr: 4,
    type: EV_EFI_BOOT_SERVICES_APPLICATION,
    digests: digestsOf(images.kernel),
    data: imageLoadEvent(images.kernelLoadAddress ?? 0x80000000, images.kernel.length),
    description: `kernel image (${images.kernel.length} bytes)`
  })
  events.push({ pcr: 8, type: EV_IPL, digests: digestsOf(cmd), data: cmdEvent, description: `kernel command line "${images.cmdline}"` })
  return events
}

/** Measure a boot into the vTPM: extends the PCRs and writes the event log (replacing any previous one, so call
 * it after vtpm.reset() on every boot). Returns the events recorded. */
export function measureBoot(vtpm: VTpm, images: BootImages): PlannedEvent[] {
  const events = plannedBootEvents(images)
  for (const e of events) vtpm.pcrExtend(e.pcr, e.digests)
  vtpm.eventLog = encodeEventLog(events)
  return events
}

/** A whole log (Spec ID header + events) as bytes. */
export function encodeEventLog(events: readonly LogEvent[]): Uint8Array {
  return concatBytes(specIdHeader(), ...events.map(encodeEvent))
}

/** The event log a correct boot of these images writes: the golden log. Replaying it against a quote
 * (tpm2_checkquote -e) fails exactly when the quoted PCRs differ from a correct boot. */
export function referenceEventLog(images: BootImages): Uint8Array {
  return encodeEventLog(plannedBootEvents(images))
}
