// Attestation commands. Each VM with a vTPM has one (seeded from the installation seed and the VM id, so it is
// stable). While the VM runs, its vTPM lives inside the VM in the host worker: the VMM attached it at boot and its
// virtual firmware measured what it loaded; the commands then reach it through the worker ('attest.*' host
// methods) and only bytes come back. While the VM is stopped, the service's copy (<dataDir>/vtpm/<vmId>.bin,
// refreshed from the worker whenever the page reads a running VM) is measured here the way the firmware would.
// The verifier trusts the installation's manufacturer CA and the golden reference values shipped in
// resources/reference (for other images: computed from the pristine image file).
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { AkKindDto, AttestationReportDto, attestationCommands, TamperDto, VtpmStateDto } from '../../../shared/contract'
import { WorkbenchError } from '../../../shared/errors'
import { checkquoteCommand, exportAttestationFiles } from '../../engine/attest/export'
import { applyTamper, attestVm, bootWithTamper, eventTable, NO_TAMPER, pcrTable } from '../../engine/attest/lab'
import { computeReferenceValues, parseReferenceValues, type ReferenceValues } from '../../engine/attest/reference'
import { RemoteVerifier } from '../../engine/attest/verifier'
import { createVmTpm, DEFAULT_CMDLINE, ManufacturerCa, vmBootImages, VTpm } from '../../engine/vtpm'
import { toHex } from '../../engine/vtpm/marshal'
import { bootCmdline, builtInCmdline, vmmCmdline } from '../../engine/vmm/cmdline'
import type { VmDefinition } from '../../../shared/contract'
import { writeFileAtomic } from '../atomic-file'
import type { HostConnection } from '../host-connection'
import type { WorkbenchService } from '../workbench-service'
import type { Handlers } from './types'

/** The command line the VMM boots a VM with: its boot choice's line, with the platform's `net=` and `mem=`
 * (vmm/cmdline.ts, the same composition createVm applies). */
function vmCmdline(def: VmDefinition, kernel: Uint8Array): string {
  return vmmCmdline(bootCmdline(def.boot, builtInCmdline(kernel)), def)
}

/** The verifier's randomness (it stands for a remote party; the engine itself never draws any). */
const freshBytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

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
    // a deleted VM's TPM goes with it (its identity must not come back for a new VM that reuses the id)
    s.onEvent((event, payload) => {
      if (event !== 'vm.removed') return
      const id = (payload as { id: string }).id
      this.vms.delete(id)
      for (const f of [`${id}.bin`, `${id}.tamper.json`]) rmSync(join(this.dir, f), { force: true })
    })
  }

  kernelOf(image: string): Uint8Array {
    try {
      return new Uint8Array(readFileSync(join(this.s.opts.guestDir, image)))
    } catch {
      throw new WorkbenchError('VM_IMAGE_NOT_FOUND', { image })
    }
  }

  /** Reference values for `image` booted with `cmdline` (the shipped golden file covers kernel.elf with the
   * built-in command line; a VM with a NIC boots with `net=` added, computed from the pristine image). */
  reference(image: string, cmdline: string = DEFAULT_CMDLINE): ReferenceValues {
    const golden = join(this.s.opts.guestDir, '..', 'reference', 'vtpm-golden.json')
    const computed = computeReferenceValues(vmBootImages(this.kernelOf(image), cmdline))
    if (image === 'kernel.elf' && cmdline === DEFAULT_CMDLINE && existsSync(golden)) {
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
    vm = { tpm, tamper, image: def.image, kernelBytes: 0, cmdline: vmCmdline(def, this.kernelOf(def.image)) }
    this.vms.set(vmId, vm)
    this.boot(vmId, vm) // what the firmware measures when this VM boots
    return vm
  }

  boot(vmId: string, vm: VmTpm): void {
    const kernel = this.kernelOf(vm.image)
    const def = this.s.vms.get(vmId)
    // a tampered command line gets the platform's net= and mem= too, as the VMM would boot it
    const tamper = vm.tamper.cmdline === null ? vm.tamper : { ...vm.tamper, cmdline: vmmCmdline(vm.tamper.cmdline, def) }
    const booted = bootWithTamper(vm.tpm, kernel, vmCmdline(def, kernel), tamper, Number(vm.tpm.clock.clockMs) + 1000)
    vm.kernelBytes = kernel.length
    vm.cmdline = booted.cmdline
    this.save(vmId, vm)
  }

  save(vmId: string, vm: VmTpm): void {
    writeFileAtomic(join(this.dir, `${vmId}.bin`), vm.tpm.serialize())
    writeFileAtomic(join(this.dir, `${vmId}.tamper.json`), JSON.stringify(vm.tamper))
  }

  /** The worker connection when the VM runs (or is paused) with a vTPM attached, else null. */
  live(vmId: string): HostConnection | null {
    const state = this.s.vms.rt(vmId).state
    if (state !== 'running' && state !== 'paused') return null
    return this.s.hosts.existing(this.s.vms.get(vmId).hostId)
  }

  /** Refreshes the service's copy from the running VM's vTPM (null if the VM has none attached). */
  async pull(vmId: string, vm: VmTpm): Promise<HostConnection | null> {
    const conn = this.live(vmId)
    if (!conn) return null
    const bytes = await conn.call('attest.state', { vmId })
    if (!bytes) return null
    vm.tpm = VTpm.deserialize(bytes)
    this.save(vmId, vm)
    return conn
  }

  state(vmId: string): VtpmStateDto {
    const vm = this.get(vmId)
    const ref = this.reference(vm.image, vmCmdline(this.s.vms.get(vmId), this.kernelOf(vm.image)))
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

  async attest(vmId: string, akKind: AkKindDto): Promise<AttestationReportDto> {
    const vm = this.get(vmId)
    const trust = { caCertificate: this.ca.certificate, reference: this.reference(vm.image, vmCmdline(this.s.vms.get(vmId), this.kernelOf(vm.image))), random: freshBytes }
    const conn = await this.pull(vmId, vm)
    if (conn) {
      const verifier = new RemoteVerifier(trust)
      const challenge = verifier.challenge(await conn.call('attest.identity', { vmId, akKind }))
      const report = verifier.verify(await conn.call('attest.respond', { vmId, akKind, challenge }))
      await this.pull(vmId, vm)
      return { ...report, akKind }
    }
    const report = attestVm(vm.tpm, akKind, trust, freshBytes)
    this.save(vmId, vm)
    return { ...report, akKind }
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

/** For WorkbenchService.start of a VM with `vtpm: true`: the image and command line it boots (as the tamper demo
 * left them) and the vTPM state the host worker attaches before the first instruction. */
export function vtpmBootInput(s: WorkbenchService, vmId: string, elf: Uint8Array): { elf: Uint8Array; cmdline: string; vtpm: Uint8Array } {
  const st = storeOf(s)
  const vm = st.get(vmId)
  const def = s.vms.get(vmId)
  const t = applyTamper(elf, bootCmdline(def.boot, builtInCmdline(elf)), vm.tamper)
  vm.kernelBytes = elf.length
  vm.cmdline = vmmCmdline(t.cmdline, def)
  return { elf: t.kernel === elf ? elf.slice() : t.kernel, cmdline: t.cmdline, vtpm: vm.tpm.serialize() }
}

export const attestationHandlers: Handlers<keyof typeof attestationCommands> = {
  'attestation.state': async (req, s) => {
    const st = storeOf(s)
    await st.pull(req.vmId, st.get(req.vmId))
    return st.state(req.vmId)
  },
  'attestation.attest': (req, s) => storeOf(s).attest(req.vmId, req.akKind),
  'attestation.reboot': async (req, s) => {
    const st = storeOf(s)
    const vm = st.get(req.vmId)
    vm.tamper = req.tamper
    if (st.live(req.vmId)) {
      // a real reboot: the VM restarts with the (un)tampered image and its firmware measures it
      st.save(req.vmId, vm)
      await s.stop(req.vmId)
      await s.start(req.vmId)
      await st.pull(req.vmId, vm)
    } else st.boot(req.vmId, vm)
    return st.state(req.vmId)
  },
  'attestation.seal': async (req, s) => {
    const st = storeOf(s)
    const vm = st.get(req.vmId)
    const secret = new TextEncoder().encode(req.secret)
    const conn = st.live(req.vmId)
    const blob = conn ? await conn.call('attest.seal', { vmId: req.vmId, secret }) : vm.tpm.seal(secret, [{ hash: 'sha256', pcrs: [0, 4, 8] }])
    if (!conn) st.save(req.vmId, vm)
    return { blob: Buffer.from(blob).toString('base64'), pcrs: 'sha256:0,4,8' }
  },
  'attestation.unseal': async (req, s) => {
    const st = storeOf(s)
    const vm = st.get(req.vmId)
    const blob = new Uint8Array(Buffer.from(req.blob, 'base64'))
    const conn = st.live(req.vmId)
    const secret = conn ? await conn.call('attest.unseal', { vmId: req.vmId, blob }) : vm.tpm.unseal(blob)
    return { secret: new TextDecoder().decode(secret) }
  },
  'attestation.export': async (req, s) => {
    const st = storeOf(s)
    const vm = st.get(req.vmId)
    const nonce = new Uint8Array(randomBytes(20))
    const conn = st.live(req.vmId)
    const files = conn ? await conn.call('attest.export', { vmId: req.vmId, akKind: req.akKind, nonce }) : exportAttestationFiles(vm.tpm, nonce, req.akKind)
    if (!conn) st.save(req.vmId, vm)
    return {
      nonce: toHex(nonce),
      command: checkquoteCommand(toHex(nonce)),
      files: Object.entries(files).map(([name, bytes]) => ({ name, base64: Buffer.from(bytes).toString('base64') }))
    }
  }
}
