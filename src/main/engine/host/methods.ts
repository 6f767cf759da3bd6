// The worker-side implementation of each HostMethods entry. Feature work (snapshots, migration, attestation)
// adds its methods here, next to the VM lifecycle.
import type { HostMethodName, HostMethods } from './protocol'
import type { HostRuntime } from './runtime'
import { migrationHostMethodImpls } from '../migration/host-methods'
import { snapshotHostMethodImpls } from '../snapshot/host-methods'
import { attestationHostMethodImpls } from '../attest/host-methods'
import { netHostMethodImpls } from './net-methods'

export type HostMethodImpls = {
  [M in HostMethodName]: (rt: HostRuntime, args: HostMethods[M]['args']) => HostMethods[M]['result'] | Promise<HostMethods[M]['result']>
}

export const hostMethods: HostMethodImpls = {
  ...migrationHostMethodImpls,
  ...snapshotHostMethodImpls,
  ...attestationHostMethodImpls,
  ...netHostMethodImpls,
  'vm.boot': (rt, a) => {
    if (a.host) rt.network.configure(a.host)
    rt.boot(a.vmId, a.config, a.elf, a.vtpm ?? null)
    return null
  },
  'vm.pause': (rt, a) => {
    rt.pause(a.vmId)
    return null
  },
  'vm.resume': (rt, a) => {
    rt.resume(a.vmId)
    return null
  },
  'vm.stop': (rt, a) => {
    rt.stop(a.vmId)
    return null
  },
  'vm.serial': (rt, a) => {
    rt.sendSerial(a.vmId, a.bytes)
    return null
  },
  'host.status': (rt) => ({ vms: rt.vmCount, running: rt.runningCount, sliceInstructions: rt.sliceInstructions })
}
