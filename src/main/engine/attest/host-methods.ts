// Attestation operations on a running VM's vTPM: they execute inside the host worker that runs the VM (the VMM
// attached the VTpm and measured the boot into it, src/main/engine/vmm/vm.ts). Only bytes go back to the service:
// the verifier never touches the TPM object, as if it were on another machine.
import type { VmInstance } from '../vmm/api'
import { EngineError } from '../errors'
import type { AkKind, VTpm } from '../vtpm/vtpm'
import { agentIdentity, agentRespond } from './agent'
import { exportAttestationFiles, type ExportFileName } from './export'

/** What the methods need from the host runtime (HostRuntime has it). */
export interface AttestationHost {
  instance(vmId: string): VmInstance
}

export interface AttestationHostMethods {
  /** The VM's serialized vTPM (PCRs, event log, …), or null when the VM has none. */
  'attest.state': { args: { vmId: string }; result: Uint8Array | null }
  /** Protocol step 1 (IDENTITY message). */
  'attest.identity': { args: { vmId: string; akKind: AkKind }; result: Uint8Array }
  /** Protocol step 3: answer a CHALLENGE message with an EVIDENCE message. */
  'attest.respond': { args: { vmId: string; akKind: AkKind; challenge: Uint8Array }; result: Uint8Array }
  'attest.seal': { args: { vmId: string; secret: Uint8Array }; result: Uint8Array }
  'attest.unseal': { args: { vmId: string; blob: Uint8Array }; result: Uint8Array }
  'attest.export': { args: { vmId: string; akKind: AkKind; nonce: Uint8Array }; result: Record<ExportFileName, Uint8Array> }
}

function tpmOf(rt: AttestationHost, vmId: string): VTpm {
  const tpm = rt.instance(vmId).vtpm
  if (!tpm) throw new EngineError('VTPM_NOT_ENABLED', `VM ${vmId} has no vTPM attached`, { name: vmId })
  return tpm
}

type Impls = {
  [M in keyof AttestationHostMethods]: (rt: AttestationHost, args: AttestationHostMethods[M]['args']) => AttestationHostMethods[M]['result']
}

export const attestationHostMethodImpls: Impls = {
  'attest.state': (rt, a) => rt.instance(a.vmId).vtpm?.serialize() ?? null,
  'attest.identity': (rt, a) => agentIdentity(tpmOf(rt, a.vmId), a.akKind),
  'attest.respond': (rt, a) => agentRespond(tpmOf(rt, a.vmId), a.challenge, a.akKind),
  'attest.seal': (rt, a) => tpmOf(rt, a.vmId).seal(a.secret),
  'attest.unseal': (rt, a) => tpmOf(rt, a.vmId).unseal(a.blob),
  'attest.export': (rt, a) => exportAttestationFiles(tpmOf(rt, a.vmId), a.nonce, a.akKind)
}
