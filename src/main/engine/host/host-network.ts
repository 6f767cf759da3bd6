// One simulated host's network: the virtual switch every NIC VM on the host is plugged into, the host's SR-IOV
// NIC and IOMMU (when it has them), an uplink endpoint that answers ARP for the gateway (as QEMU's slirp does),
// and load clients the host can point at a guest's `workload=web`.
//
// Time: network events run in host time (virtual ns). Each VM's guest time maps to host time by an offset; while
// a VM runs, the network's clock is that VM's (events are delivered between its short runs, vm.ts runNetworked).
// A VM that falls behind the host's clock (it was not scheduled, or idle while another VM's time moved on) is
// moved up to it, as a descheduled vCPU sees the time it missed. With one VM per host the offset never changes,
// so latencies are exact in that VM's virtual time.
import { EventQueue } from '../network/events'
import { VirtualSwitch, type SwitchPort } from '../network/switch'
import { ExternalEndpoint } from '../network/endpoint'
import { DEFAULT_NET_COSTS } from '../network/costs'
import { syncedDevice } from '../network/synced-device'
import { WebLoadClient, type WebClientSummary, type WebRequestRecord } from '../network/web-client'
import type { FrameRx, FrameTx, Mac } from '../network/frame'
import { SriovNic } from '../devices/net/sriov-nic'
import type { SriovVf } from '../devices/net/sriov-vf'
import type { MmioDevice } from '../devices/virtio/dma'
import { Iommu } from '../iommu/iommu'
import { macForVm, type VmNetwork } from '../vmm/nic'
import type { NicModel } from '../vmm/api'
import { WorkbenchError } from '../../../shared/errors'

/** What the service tells a host worker about the host (shared/contract/hosts.ts Host). */
export interface HostNetCaps {
  name: string
  iommu: boolean
  sriovVfs: number
}

/** The load client of a VM: a locally administered MAC made from the VM's (never one of the 52:54:00 VM MACs),
 * so the same VM meets the same client on every host and after a restore. */
function clientMac(vm: Mac): Mac {
  return new Uint8Array([0x02, 0xc1, vm[2], vm[3], vm[4], vm[5]])
}

export interface WebClientStart {
  /** Interval between requests, virtual ns (default 1 ms). */
  intervalNs?: number
  /** Requests to send (0 = until stopped). */
  count?: number
}

export interface WebClientReport {
  summary: WebClientSummary
  /** The last requests (at most 64), oldest first. */
  recent: WebRequestRecord[]
  /** Host time (virtual ns) of the report. */
  at: number
}

class VmPort implements VmNetwork {
  offset = 0
  port: SwitchPort | null = null
  /** The VM's virtual time (known from its first sync: createVm syncs once when it plugs the NIC in). */
  vmNow: (() => number) | null = null
  sriov?: SriovNic
  iommu?: Iommu
  host?: HostNetCaps

  constructor(
    private readonly net: HostNetwork,
    readonly vmId: string,
    readonly mac: Mac
  ) {}

  connect(rx: FrameRx, model: NicModel): FrameTx {
    // a VF's frames are switched by the NIC's embedded bridge in hardware, not by the host's software switch
    this.port = this.net.sw.attach(this.vmId, rx, model === 'sriov-vf' ? DEFAULT_NET_COSTS.vfSwitchPerFrame : null)
    return this.port
  }

  wrap(dev: MmioDevice): MmioDevice {
    return syncedDevice(dev, this.net.events)
  }

  sync(now: () => number): number | null {
    this.vmNow = now
    const q = this.net.events
    q.clock = null
    const hostNow = q.now
    if (now() + this.offset < hostNow) this.offset = hostNow - now()
    q.clock = () => now() + this.offset
    q.runUntil(now() + this.offset)
    const next = q.nextAt
    return next === null ? null : next - this.offset
  }

  pending(): boolean {
    return this.net.events.size > 0
  }
}

export class HostNetwork {
  readonly events = new EventQueue()
  readonly sw: VirtualSwitch
  readonly uplink: ExternalEndpoint
  private caps: HostNetCaps | null = null
  private iommu: Iommu | null = null
  private sriov: SriovNic | null = null
  private readonly ports = new Map<string, VmPort>()
  private readonly clients = new Map<string, { client: WebLoadClient; port: SwitchPort }>()

  constructor() {
    this.sw = new VirtualSwitch(this.events, { perFrameCycles: DEFAULT_NET_COSTS.switchPerFrame, linkGbps: DEFAULT_NET_COSTS.linkGbps })
    this.uplink = new ExternalEndpoint(this.events)
    this.uplink.tx = this.sw.attach('uplink', this.uplink)
  }

  /** The host's capabilities, from every vm.boot (a host edited in the app changes them). The IOMMU and SR-IOV
   * NIC are rebuilt only while no VF is handed out: VFs in use stay valid until their VMs leave. */
  configure(caps: HostNetCaps): void {
    const old = this.caps
    if (old && old.iommu === caps.iommu && old.sriovVfs === caps.sriovVfs) {
      this.caps = caps
      return
    }
    if (this.sriov && this.sriov.freeVfs < this.sriov.totalVfs) return
    this.caps = caps
    this.iommu = caps.iommu ? new Iommu() : null
    this.sriov = caps.sriovVfs > 0 ? new SriovNic(caps.sriovVfs, this.iommu) : null
  }

  /** The network a VM's NIC plugs into (createVm's env.network). */
  forVm(vmId: string, vmName: string): VmNetwork {
    this.unplug(vmId)
    const p = new VmPort(this, vmId, macForVm(vmName))
    if (this.caps) {
      p.host = this.caps
      p.sriov = this.sriov ?? undefined
      p.iommu = this.iommu ?? undefined
    }
    this.ports.set(vmId, p)
    return p
  }

  macOf(vmId: string): Mac | null {
    return this.ports.get(vmId)?.mac ?? null
  }

  /** The VM left the host (stopped, or moved away): its switch port goes, its VF returns to the SR-IOV NIC, its
   * load client stops. */
  unplug(vmId: string, vf: SriovVf | null = null): void {
    const p = this.ports.get(vmId)
    if (!p) return
    if (p.port) this.sw.detach(p.port)
    this.ports.delete(vmId)
    if (vf && this.sriov && this.sriov.ownerOf(vf.index) !== null) this.sriov.release(vf)
    this.stopWebClient(vmId)
  }

  get freeVfs(): number {
    return this.sriov?.freeVfs ?? 0
  }

  /** Start a load client on the switch sending `workload=web` requests to the VM. */
  startWebClient(vmId: string, opts: WebClientStart = {}): void {
    const vm = this.ports.get(vmId)
    if (!vm) throw new WorkbenchError('IO_NO_NIC', { id: vmId })
    this.stopWebClient(vmId)
    // the network's clock becomes this VM's, so the first request leaves at the VM's present
    if (vm.vmNow) vm.sync(vm.vmNow)
    const client = new WebLoadClient(this.events, clientMac(vm.mac), vm.mac, opts.intervalNs ?? 1_000_000)
    const port = this.sw.attach(`client-${vmId}`, client)
    client.tx = port
    this.clients.set(vmId, { client, port })
    client.start(opts.count ?? 0)
  }

  stopWebClient(vmId: string): void {
    const c = this.clients.get(vmId)
    if (!c) return
    c.client.stop()
    this.sw.detach(c.port)
    this.clients.delete(vmId)
  }

  webClient(vmId: string): WebLoadClient | null {
    return this.clients.get(vmId)?.client ?? null
  }

  webReport(vmId: string): WebClientReport | null {
    const c = this.clients.get(vmId)?.client
    if (!c) return null
    const at = this.events.now
    return { summary: c.summary(at), recent: c.records.slice(-64).map((r) => ({ ...r })), at }
  }
}
