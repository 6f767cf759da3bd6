// One simulated host's network: the virtual switch every NIC VM on the host is plugged into, the host's SR-IOV
// NIC and IOMMU (when it has them), an uplink endpoint that answers ARP for the gateway (as QEMU's slirp does),
// and load clients the host can point at a guest's `workload=web`.
//
// Time: network events run in host time (virtual ns), conservatively, as in a parallel discrete-event simulation
// with one logical process per VM: an event runs only once every VM on the host has reached its time. Each VM's
// guest time maps to host time by an offset that only grows: it is set when the VM joins, and again when its clock
// is set from outside (a loaded state, a resume after pause) so that it is never behind the host's present. A VM that is awake holds host time at its present; a VM asleep in WFI
// holds it at its next own timer (or not at all when none is armed), and in the app also at its wall-clock pace.
// A VM may run ahead of the others, never past the next pending event. A sleeping VM is woken only by a frame that
// reaches its own port (addressed to it, or flooded/broadcast) and by its own timers; its clock then moves to the
// frame's time, which it slept through. Nobody's clock is moved while it is awake. A caller that must make
// progress (a migration driving its guest, runFor) runs the laggards forward; a laggard that cannot be run (a VM
// driven by a migration, one paced to wall time) is passed ("forced") and counted in clockStats.
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
import type { ClockMember } from '../network/clock-member'
import type { NetSync } from '../vmm/nic'

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
  /** Host time = guest time + offset. */
  offset = 0
  port: SwitchPort | null = null
  member: ClockMember | null = null
  /** In the host's scheduler: the network may run it forward. Not while a migration drives it. */
  drivable = false
  /** Paused: its time does not hold the host back. */
  excluded = false
  /** Host time of an event this VM found due but could not run yet (a VM that cannot be run lags behind it). */
  waitFor: number | null = null
  sriov?: SriovNic
  iommu?: Iommu
  host?: HostNetCaps

  constructor(
    private readonly net: HostNetwork,
    readonly vmId: string,
    readonly mac: Mac
  ) {}

  connect(rx: FrameRx, model: NicModel): FrameTx {
    // a frame reaching this port wakes the VM at its arrival time (and only frames reaching this port do)
    const wake: FrameRx = {
      receive: (frame) => {
        this.net.arrive(this)
        rx.receive(frame)
      }
    }
    // a VF's frames are switched by the NIC's embedded bridge in hardware, not by the host's software switch
    this.port = this.net.sw.attach(this.vmId, wake, model === 'sriov-vf' ? DEFAULT_NET_COSTS.vfSwitchPerFrame : null)
    return this.port
  }

  wrap(dev: MmioDevice): MmioDevice {
    return syncedDevice(dev, () => this.net.catchUp(this))
  }

  join(member: ClockMember): void {
    this.member = member
    this.rejoin()
  }

  rejoin(): void {
    if (!this.member) return
    // never behind the host's present; a clock that jumped ahead (a loaded state) keeps its mapping: the other VMs
    // hold it back until they get there
    // whole cycles: guest time + offset and back must be exact (a fractional offset rounds above 2^31 ns, and a
    // sleeping VM then never quite reaches its own timer: it stalled, and a migration's probe got no answer)
    this.offset = Math.max(this.offset, Math.ceil(this.net.events.present - this.member.clockNow()))
    this.attachClock()
  }

  /** The network's clock is this VM's: frames it sends leave at its present. */
  attachClock(): void {
    const m = this.member
    if (m) this.net.events.clock = () => m.clockNow() + this.offset
  }

  sync(upTo: number, drive: boolean): NetSync {
    return this.net.sync(this, upTo, drive)
  }

  pending(): boolean {
    return this.net.canProgress(this)
  }

  /** How far this VM holds host time back: its present while awake; asleep, its next own timer, at most its
   * wall-clock pace (never less than its present). Infinity when it does not count (paused, not joined). */
  horizon(): number {
    const m = this.member
    if (!m || this.excluded) return Infinity
    const now = m.clockNow()
    const s = m.sleepingUntil()
    if (s === null) return now + this.offset
    return Math.max(now, Math.min(s, m.paceLimit())) + this.offset
  }
}

/** How often the host's conservative clock had to pass a VM (see the header). */
export interface ClockStats {
  /** Events run while a VM that could not be run forward was behind them. */
  forced: number
  /** Frames that reached an awake VM whose clock was already past their arrival time, and by how much at most
   * (virtual ns). */
  late: number
  maxLateNs: number
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
  readonly clockStats: ClockStats = { forced: 0, late: 0, maxLateNs: 0 }

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

  /** The host's scheduler runs the VM (the network may run it forward to an event), or not (a migration drives
   * it: the network waits for it, or passes it when the caller must progress). */
  setScheduled(vmId: string, scheduled: boolean): void {
    const p = this.ports.get(vmId)
    if (p) p.drivable = scheduled
  }

  /** The network's clock becomes the VM's (a migration drives it from now on: its load client starts at the
   * VM's present). */
  attachClockOf(vmId: string): void {
    this.ports.get(vmId)?.attachClock()
  }

  /** A paused VM does not hold host time back; on resume its present maps to the host's present (the guest does
   * not see the pause, as QEMU's virtual clock stops while the VM is stopped). */
  setPaused(vmId: string, paused: boolean): void {
    const p = this.ports.get(vmId)
    if (!p) return
    p.excluded = paused
    if (!paused) p.rejoin()
  }

  /** The host time up to which every VM but `self` has got (without running anyone). */
  private othersAt(self: VmPort): number {
    let at = Infinity
    for (const p of this.ports.values()) if (p !== self) at = Math.min(at, p.horizon())
    return at
  }

  /** Bring every VM but `self` to host time `t`; with `drive`, by running the laggards the scheduler lets us run.
   * False when one stays behind. */
  private reach(self: VmPort, t: number, drive: boolean): boolean {
    for (let i = 0; i < 1000; i++) {
      let lag: VmPort | null = null
      let at = Infinity
      for (const p of this.ports.values()) {
        if (p === self) continue
        const h = p.horizon()
        if (h < at) {
          at = h
          lag = p
        }
      }
      if (!lag || at >= t) return true
      if (!drive || !lag.drivable || !lag.member) return false
      lag.member.advanceTo(t - lag.offset)
      if (lag.horizon() <= at) return false // it cannot go further (paced to wall time, halted, on the call stack)
    }
    return false
  }

  /** VmNetwork.sync for `self`: run the events due by its guest time `upTo` that every VM has reached. */
  sync(self: VmPort, upTo: number, drive: boolean): NetSync {
    const q = this.events
    let until = upTo + self.offset
    let blocked = false
    for (;;) {
      // a frame that woke the sleeping VM ends its sleep: nothing past its present runs now
      if (self.member && self.member.sleepingUntil() === null) until = Math.min(until, self.member.clockNow() + self.offset)
      const e = q.nextAt
      if (e === null || e > until) break
      if (!this.reach(self, e, drive)) {
        if (!drive) {
          blocked = true
          break
        }
        this.clockStats.forced++
      }
      q.clock = null
      q.runUntil(e)
    }
    self.waitFor = blocked ? q.nextAt : null
    let reached = until
    if (!blocked && self.member?.sleepingUntil() !== null) {
      // a sleeping VM may sleep until the others have got there (a frame from them cannot then arrive in its past)
      if (drive) this.reach(self, until, true)
      else reached = Math.min(until, this.othersAt(self))
    }
    self.attachClock()
    const next = q.nextAt
    return { next: next === null ? Infinity : next - self.offset, blocked, reached: reached - self.offset }
  }

  /** A device of `self` is accessed: run what is due by its present that every VM has reached. */
  catchUp(self: VmPort): void {
    const m = self.member
    if (!m) return
    const q = this.events
    const now = m.clockNow() + self.offset
    for (;;) {
      const e = q.nextAt
      if (e === null || e > now || !this.reach(self, e, false)) break
      q.clock = null
      q.runUntil(e)
    }
    self.attachClock()
  }

  /** A frame reaches `p`'s NIC (an event is running): a sleeping VM slept until now. */
  arrive(p: VmPort): void {
    const m = p.member
    if (!m) return
    const t = this.events.now - p.offset
    if (m.sleepingUntil() === null && m.clockNow() > t) {
      this.clockStats.late++
      this.clockStats.maxLateNs = Math.max(this.clockStats.maxLateNs, m.clockNow() - t)
    }
    m.wakeAt(t)
  }

  /** VmNetwork.pending for `self`: it can make progress now without running another VM. */
  canProgress(self: VmPort): boolean {
    const m = self.member
    if (!m || self.excluded) return this.events.size > 0
    const s = m.sleepingUntil()
    let t: number
    if (s === null) {
      if (self.waitFor === null) return true
      t = self.waitFor
    } else {
      t = Math.min(s + self.offset, this.events.nextAt ?? Infinity)
      if (t === Infinity || t > Math.max(m.clockNow(), m.paceLimit()) + self.offset) return false
    }
    return this.othersAt(self) >= t
  }

  /** Start a load client on the switch sending `workload=web` requests to the VM. */
  startWebClient(vmId: string, opts: WebClientStart = {}): void {
    const vm = this.ports.get(vmId)
    if (!vm) throw new WorkbenchError('IO_NO_NIC', { id: vmId })
    this.stopWebClient(vmId)
    // the network's clock becomes this VM's, so the first request leaves at the VM's present (or the host's,
    // when the VM sleeps behind it)
    vm.attachClock()
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
