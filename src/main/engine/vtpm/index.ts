// The vTPM's public face for the VMM, the service and snapshots/migration. Everything else in this folder is an
// implementation detail (or a codec the remote verifier in ../attest shares).
import { kdfa } from './kdf'
import { type BootImages, measureBoot, type PlannedEvent } from './measured-boot'
import { VTpm } from './vtpm'
import { ManufacturerCa } from './x509'

export { VTpm, MAX_SEALED_BYTES, type AkKind, type QuoteResult } from './vtpm'
export { ManufacturerCa } from './x509'
export { measureBoot, plannedBootEvents, referenceEventLog, type BootImages, type PlannedEvent } from './measured-boot'
export { parseEventLog, replayEventLog, type LogEvent } from './eventlog'
export { eventTypeName } from './constants'
export type { PcrSelection } from './structures'

/** The version string our virtual firmware measures into PCR 0 (EV_S_CRTM_VERSION). */
export const VIRTUAL_FIRMWARE_VERSION = 'VMM Workbench firmware 1.0'
/** The guest kernel's built-in command line (guest/kernel/cmdline.c), used when a VM sets none. */
export const DEFAULT_CMDLINE = 'console=ttyS0'

/** A VM's TPM seed from the installation seed and the VM's stable id: the same VM keeps the same TPM identity. */
export function deriveVtpmSeed(installationSeed: Uint8Array, vmId: string): Uint8Array {
  return kdfa('sha256', installationSeed, 'VM TPM SEED', new TextEncoder().encode(vmId), new Uint8Array(0), 256)
}

/** Creates the vTPM of a new VM (EK certificate issued by the installation's manufacturer CA). */
export function createVmTpm(installationSeed: Uint8Array, vmId: string): VTpm {
  return VTpm.create(deriveVtpmSeed(installationSeed, vmId), new ManufacturerCa(installationSeed))
}

/** For the VMM's virtual firmware, on every boot and reboot of a VM with `vtpm: true`, before the first guest
 * instruction: platform reset of the TPM (PCRs zero, new event log), clock from virtual time, then the
 * measurements of the bytes the firmware loads (firmware version, kernel ELF file, command line). */
export function measureVmBoot(
  vtpm: VTpm,
  kernelElf: Uint8Array,
  cmdline: string = DEFAULT_CMDLINE,
  virtualTimeMs = 0
): PlannedEvent[] {
  vtpm.reset()
  vtpm.setClock(virtualTimeMs)
  return measureBoot(vtpm, vmBootImages(kernelElf, cmdline))
}

/** The images a VM boot measures (also what reference values are computed from). */
export function vmBootImages(kernelElf: Uint8Array, cmdline: string = DEFAULT_CMDLINE): BootImages {
  return { firmwareVersion: VIRTUAL_FIRMWARE_VERSION, kernel: kernelElf, cmdline }
}

/** vTPM state for VmMachineState.vtpm, and back. */
export function saveVtpm(vtpm: VTpm | null): Uint8Array | null {
  return vtpm ? vtpm.serialize() : null
}

export function loadVtpm(state: Uint8Array | null): VTpm | null {
  return state ? VTpm.deserialize(state) : null
}
