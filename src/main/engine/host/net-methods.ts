// Host-worker methods for the host network (host-network.ts): the host's load client against a guest's
// `workload=web`, started, read and stopped by the service.
import type { HostRuntime } from './runtime'
import type { WebClientReport, WebClientStart } from './host-network'

export interface NetHostMethods {
  /** Start the host's load client against the VM's NIC (IO_NO_NIC without one); replaces a running one. */
  'net.webStart': { args: { vmId: string } & WebClientStart; result: null }
  /** The client's figures so far, null when no client runs for the VM. */
  'net.webReport': { args: { vmId: string }; result: WebClientReport | null }
  'net.webStop': { args: { vmId: string }; result: WebClientReport | null }
}

type Impls = { [M in keyof NetHostMethods]: (rt: HostRuntime, args: NetHostMethods[M]['args']) => NetHostMethods[M]['result'] }

export const netHostMethodImpls: Impls = {
  'net.webStart': (rt, a) => {
    rt.network.startWebClient(a.vmId, { intervalNs: a.intervalNs, count: a.count })
    return null
  },
  'net.webReport': (rt, a) => rt.network.webReport(a.vmId),
  'net.webStop': (rt, a) => {
    const report = rt.network.webReport(a.vmId)
    rt.network.stopWebClient(a.vmId)
    return report
  }
}
