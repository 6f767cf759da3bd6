// Attestation commands. Each VM with a vTPM gets one (seeded from the installation seed and the VM id, so it is
// stable); its state is persisted under <dataDir>/vtpm/<vmId>.bin with the tamper setting beside it. The verifier
// trusts the installation's manufacturer CA and the golden reference values shipped in resources/reference (for
// other images: computed from the pristine image file). Measured boot here measures the VM's image and command
// line as its virtual firmware loads them; the tamper demonstration changes those bytes for the next boot.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { attestationCommands, TamperDto, VtpmStateDto } from '../../../shared/contract'
import { WorkbenchError } from '../../../shared/errors'
import { checkquoteCommand, exportAttestationFiles } from '../../engine/attest/export'
import { attestVm, bootWithTamper, eventTable, NO_TAMPER, pcrTable } from '../../engine/attest/lab'
import { computeReferenceValues, parseReferenceValues, type ReferenceValues } from '../../engine/attest/reference'
import { createVmTpm, DEFAULT_CMDLINE, ManufacturerCa, vmBootImages, VTpm } from '../../engine/vtpm'
import { toHex } from '../../engine/vtpm/marshal'
import { writeFileAtomic } from '../atomic-file'
import type { WorkbenchService } from '../workbench-service'
import type { Handlers } from './types'

interface VmTpm {
  tpm: VTpm
  tamper: TamperDto
  image: string
  kernelBytes: number
  cmdline: string
}

class AttestationStore {
  private readonly dir: string
  private readonly seed: Uint8Array
  readonly ca: ManufacturerCa
  private readonly vms = new Map<string, VmTpm>()

  constructor(private readonly s: WorkbenchService) {
    this.dir = join(s.opts.dataDir, 'vtpm')
    const seedPath = join(this.dir, 'installation-seed.bin')
    if (!existsSync(seedPath)) writeFileAtomic(seedPath, new Uint8Array(randomBytes(32)))
    this.seed = new Uint8Array(readFileSync(seedPath))
    this.ca = new ManufacturerCa(this.seed)
  }

  private kernelOf(image: string): Uint8Array {
    try {
      return new Uint8Array(readFileSync(join(this.s.opts.guestDir, image)))
    } catch {
      throw new WorkbenchError('VM_IMAGE_NOT_FOUND', { image })
    }
  }

  reference(image: string): ReferenceValues {
    const golden = join(this.s.opts.guestDir, '..', 'reference', 'vtpm-golden.json')
    const computed = computeReferenceValues(vmBootImages(this.kernelOf(image), DEFAULT_CMDLINE))
    if (image === 'kernel.elf' && existsSync(golden)) {
      const ref = parseReferenceValues(JSON.parse(readFileSync(golden, 'utf8')))
      // a rebuilt kernel without regenerated golden values: fall back to the shipped file's own measurements
      if (ref.kernelSha256 === computed.kernelSha256) return ref
    }
    return computed
  }

  get(vmId: string): VmTpm {
    const def = this.s.vms.get(vmId)
    if (!def.vtpm) throw new WorkbenchError('VTPM_NOT_ENABLED', { name: def.name })
    let vm = this.vms.get(vmId)
    if (vm) return vm
    const statePath = join(this.dir, `${vmId}.bin`)
    const tamperPath = join(this.dir, `${vmId}.tamper.json`)
    const tamper: TamperDto = existsSync(tamperPath) ? (JSON.parse(readFileSync(tamperPath, 'utf8')) as TamperDto) : { ...NO_TAMPER }
    const tpm = existsSync(statePath) ? VTpm.deserialize(new Uint8Array(readFileSync(statePath))) : createVmTpm(this.seed, vmId)
    vm = { tpm, tamper, image: def.image, kernelBytes: 0, cmdline: DEFAULT_CMDLINE }
    this.vms.set(vmId, vm)
    this.boot(vmId, vm) // the firmware measures on every boot; opening the page is this VM's boot in the service
    return vm
  }

  boot(vmId: string, vm: VmTpm): void {
    const kernel = this.kernelOf(vm.image)
    const booted = bootWithTamper(vm.tpm, kernel, DEFAULT_CMDLINE, vm.tamper, Number(vm.tpm.clock.clockMs) + 1000)
    vm.kernelBytes = kernel.length
    vm.cmdline = booted.cmdline
    this.save(vmId, vm)
  }

  save(vmId: string, vm: VmTpm): void {
    writeFileAtomic(join(this.dir, `${vmId}.bin`), vm.tpm.serialize())
    writeFileAtomic(join(this.dir, `${vmId}.tamper.json`), JSON.stringify(vm.tamper))
  }

  state(vmId: string): VtpmStateDto {
    const vm = this.get(vmId)
    const ref = this.reference(vm.image)
    const cert = Buffer.from(vm.tpm.ekCertificate).toString('base64')
    return {
      vmId,
      tpmId: vm.tpm.id,
      pcrs: pcrTable(vm.tpm),
      events: eventTable(vm.tpm).map((e, i) => {
        const r = ref.events[i]
        return { ...e, matchesReference: !!r && r.pcr === e.pcr && r.typeName === e.type && r.sha256 === e.sha256 }
      }),
      tamper: vm.tamper,
      booted: { image: vm.image, kernelBytes: vm.kernelBytes, cmdline: vm.cmdline, resetCount: vm.tpm.clock.resetCount },
      ekCertificatePem: `-----BEGIN CERTIFICATE-----\n${(cert.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`,
      akNames: { ecc: toHex(vm.tpm.akName('ecc')), rsa: toHex(vm.tpm.akName('rsa')) }
    }
  }
}

const stores = new WeakMap<WorkbenchService, AttestationStore>()

function storeOf(s: WorkbenchService): AttestationStore {
  let st = stores.get(s)
  if (!st) {
    st = new AttestationStore(s)
    stores.set(s, st)
  }
  return st
}

export const attestationHandlers: Handlers<keyof typeof attestationCommands> = {
  'attestation.state': (req, s) => storeOf(s).state(req.vmId),
  'attestation.attest': (req, s) => {
    const st = storeOf(s)
    const vm = st.get(req.vmId)
    const report = attestVm(vm.tpm, req.akKind, { caCertificate: st.ca.certificate, reference: st.reference(vm.image) })
    st.save(req.vmId, vm)
    return { ...report, akKind: req.akKind }
  },
  'attestation.reboot': (req, s) => {
    const st = storeOf(s)
    const vm = st.get(req.vmId)
    vm.tamper = req.tamper
    st.boot(req.vmId, vm)
    return st.state(req.vmId)
  },
  'attestation.seal': (req, s) => {
    const st = storeOf(s)
    const vm = st.get(req.vmId)
    const blob = vm.tpm.seal(new TextEncoder().encode(req.secret), [{ hash: 'sha256', pcrs: [0, 4, 8] }])
    st.save(req.vmId, vm)
    return { blob: Buffer.from(blob).toString('base64'), pcrs: 'sha256:0,4,8' }
  },
  'attestation.unseal': (req, s) => {
    const vm = storeOf(s).get(req.vmId)
    return { secret: new TextDecoder().decode(vm.tpm.unseal(new Uint8Array(Buffer.from(req.blob, 'base64')))) }
  },
  'attestation.export': (req, s) => {
    const st = storeOf(s)
    const vm = st.get(req.vmId)
    const nonce = new Uint8Array(randomBytes(20))
    const files = exportAttestationFiles(vm.tpm, nonce, req.akKind)
    st.save(req.vmId, vm)
    return {
      nonce: toHex(nonce),
      command: checkquoteCommand(toHex(nonce)),
      files: Object.entries(files).map(([name, bytes]) => ({ name, base64: Buffer.from(bytes).toString('base64') }))
    }
  }
}
