// The client load generator of an app-driven migration: a client on the host network that sends requests to the
// guest's `workload=web` while the VM migrates, and moves to the destination host's network with the VM.
//
// Why it moves: each host is a worker thread whose network runs in that host's time, and a host's time is the
// virtual time of the VM running there (host/host-network.ts). A client left on the source host would have no
// clock once the VM is gone, and forwarding frames between two threads with unrelated clocks would make the
// latencies depend on thread scheduling. So the network segment the client and the VM share — the client's
// state, its next request time and the frames on the wire at the pause — is handed over with the VM, the way the
// physical switch learns (from the destination's announcement, QEMU's announce-self RARP) that the VM's MAC now
// sits behind another port. Host time at the destination continues at pause + downtime: requests sent during the
// downtime reach the guest when it resumes there, which is the blip.
import type { EventQueue } from '../network/events'
import { BROADCAST, buildFrame, type FrameRx, type Mac } from '../network/frame'
import type { SwitchPort, VirtualSwitch } from '../network/switch'
import { WebLoadClient, type WebClientState, type WebClientSummary } from '../network/web-client'

/** The part of a host's network (host/host-network.ts HostNetwork) a migration's client needs. */
export interface ClientNetwork {
  readonly events: EventQueue
  readonly sw: VirtualSwitch
  macOf(vmId: string): Mac | null
}

/** Virtual time the client runs before the migration starts: requests answered then prove the guest serves. */
export const PROBE_NS = 20_000_000
/** Virtual time the client keeps running at the destination after the guest resumed there. */
export const TAIL_NS = 100_000_000
/** Live reports while the client runs at the destination, virtual ns apart. */
const REPORT_NS = 10_000_000
/** Longest a frame can be on the wire at the pause (switching + a full frame on the slowest port, rounded up). */
const FLIGHT_NS = 100_000
/** About this many requests per migration at most (the interval grows for long migrations). */
const MAX_REQUESTS = 10_000

export type ClientStatus = 'probing' | 'running' | 'no-answer' | 'done'

export interface LatencySample {
  tMs: number
  latencyMs: number
}

export interface ClientReport {
  status: ClientStatus
  intervalNs: number
  /** New samples since the previous report (send order). */
  samples: LatencySample[]
  summary: WebClientSummary
}

/** Everything that moves with the VM at the switchover (plain data, structured-clone safe). */
export interface ClientHandoff {
  vmId: string
  client: WebClientState
  clientMac: number[]
  intervalNs: number
  /** Source host time of the migration start (the timeline's origin), of the pause, and the downtime (ns). */
  originNs: number
  pausedAt: number
  downtimeNs: number
  /** Frames that were on the wire at the pause (source host time of arrival). */
  toVm: { at: number; frame: Uint8Array }[]
  toClient: { at: number; frame: Uint8Array }[]
  reported: number
}

/** One request per millisecond, fewer for a migration expected to take long (all of RAM once over the link). */
export function requestInterval(ramBytes: number, bandwidth: number): number {
  const expectedNs = (ramBytes * 1e9) / bandwidth + PROBE_NS + TAIL_NS
  return Math.max(1_000_000, Math.ceil(expectedNs / MAX_REQUESTS / 1_000_000) * 1_000_000)
}

const CLIENT_MAC = [0x02, 0x00, 0x00, 0x00, 0xc2]

const ETHERTYPE_RARP = 0x8035

/** Teach the switch where the VM's MAC is: a RARP broadcast from the VM's port, as QEMU's announce-self sends
 * on the guest's behalf after a migration (net/announce.c: reverse request, sender and target = the VM's MAC).
 * Until a switch has learned a MAC it floods frames for it to every port, and a guest on another port that does
 * not filter by MAC (ours does not) would answer a request meant for this one. */
export function announceVm(net: ClientNetwork, vmId: string): void {
  const mac = net.macOf(vmId)
  const port = net.sw.ports.find((p) => p.name === vmId)
  if (!mac || !port) return
  const p = new Uint8Array(28)
  p.set([0, 1, 0x08, 0x00, 6, 4, 0, 3])
  p.set(mac, 8)
  p.set(mac, 18)
  port.transmit(buildFrame(BROADCAST, mac, ETHERTYPE_RARP, p))
}

/** The paused source VM's switch port. From the pause on, frames for the VM are kept instead of reaching its NIC:
 * the NIC would write them into guest RAM after the last dirty pages were collected, and the destination would
 * never get those bytes. They go to the destination with the client (or, without one, are dropped as a paused
 * QEMU's tap drops them), or to the NIC again when the guest resumes here. */
export class FrozenPort {
  readonly caught: { at: number; frame: Uint8Array }[] = []
  private readonly port: SwitchPort | null
  private readonly rx: FrameRx | null

  constructor(net: ClientNetwork, name: string) {
    this.port = net.sw.ports.find((p) => p.name === name) ?? null
    this.rx = this.port?.rx ?? null
    if (this.port) this.port.rx = { receive: (frame) => this.caught.push({ at: net.events.now, frame: frame.slice() }) }
  }

  /** The guest runs here again: frames reach its NIC; with `deliver`, the kept ones first. */
  thaw(deliver: boolean): void {
    if (!this.port || !this.rx) return
    this.port.rx = this.rx
    if (deliver) for (const f of this.caught.splice(0)) this.rx.receive(f.frame)
  }
}

export class MigrationLoadClient {
  readonly client: WebLoadClient
  status: ClientStatus = 'probing'
  originNs = 0
  private port: SwitchPort
  /** Records reported so far (send order): the next report starts here. */
  private reported = 0
  private stopAt = -1

  private constructor(
    readonly net: ClientNetwork,
    readonly vmId: string,
    readonly mac: Mac,
    readonly intervalNs: number,
    private readonly onReport: (r: ClientReport) => void
  ) {
    const server = net.macOf(vmId)
    if (!server) throw new RangeError(`VM ${vmId} has no port on this host's network`)
    this.client = new WebLoadClient(net.events, mac, server, intervalNs)
    this.port = net.sw.attach(`migration-client-${vmId}`, this.client)
    this.client.tx = this.port
  }

  /** Start a client for the VM's NIC (source host); null when the VM has no port on this host's network. Run the
   * guest PROBE_NS, then settleProbe(). */
  static start(net: ClientNetwork, vmId: string, intervalNs: number, onReport: (r: ClientReport) => void): MigrationLoadClient | null {
    const mac = net.macOf(vmId)
    if (!mac) return null
    const c = new MigrationLoadClient(net, vmId, new Uint8Array([...CLIENT_MAC, mac[5]]), intervalNs, onReport)
    c.originNs = c.now + PROBE_NS // the migration starts after the probe
    // the client's first request must not be flooded to other VMs (a real client's ARP exchange teaches the switch)
    announceVm(net, vmId)
    c.client.start()
    return c
  }

  /** Host time now on this network. */
  get now(): number {
    return this.net.events.now
  }

  /** After the probe: keep going when the guest answered, else stop (it does not serve `web`). */
  settleProbe(): boolean {
    const answered = this.client.records.some((r) => r.answeredAt >= 0)
    this.status = answered ? 'running' : 'no-answer'
    if (!answered) this.close()
    this.report()
    return answered
  }

  /** Send the samples added since the last report. */
  report(): void {
    const recs = this.client.records
    const samples: LatencySample[] = []
    const grace = this.now - 10 * this.intervalNs
    while (this.reported < recs.length) {
      const r = recs[this.reported]
      if (r.answeredAt < 0 && r.sentAt > grace && this.status !== 'done') break // may still be answered
      if (r.answeredAt >= 0) samples.push({ tMs: (r.sentAt - this.originNs) / 1e6, latencyMs: (r.answeredAt - r.sentAt) / 1e6 })
      this.reported++
    }
    this.onReport({ status: this.status, intervalNs: this.intervalNs, samples, summary: this.client.summary(this.now) })
  }

  /** At the pause (the guest no longer runs here; its port frozen): stop sending, collect what is on the wire,
   * leave the switch. `syncVm` makes the VM's clock the network's (another VM on the host may have run since the
   * guest's last slice): the pause is at the VM's host time. Frames the frozen port keeps later (until the
   * handoff is sent) go along too. */
  handOff(frozen: FrozenPort, syncVm: () => void): Omit<ClientHandoff, 'downtimeNs'> {
    syncVm()
    const pausedAt = this.now
    const state = this.client.saveState(true)
    const toClient: ClientHandoff['toClient'] = []
    const events = this.net.events
    this.port.rx = { receive: (frame) => toClient.push({ at: events.now, frame: frame.slice() }) }
    // frames already on the wire arrive within FLIGHT_NS; nothing new is sent (the guest is paused, the client stopped)
    events.runUntil(pausedAt + FLIGHT_NS)
    this.close()
    return { vmId: this.vmId, client: state, clientMac: [...this.mac], intervalNs: this.intervalNs, originNs: this.originNs, pausedAt, toVm: frozen.caught, toClient, reported: this.reported }
  }

  /** Continue a handed-over client on this host's network. `syncVm` attaches the arriving VM's clock to the
   * network (host-network.ts moves a VM that is behind the host clock up to it): the guest resumes at that host
   * time, which corresponds to pause + downtime on the source. Runs for TAIL_NS more, reporting every REPORT_NS. */
  static resume(net: ClientNetwork, h: ClientHandoff, syncVm: () => void, onReport: (r: ClientReport) => void): MigrationLoadClient {
    const c = new MigrationLoadClient(net, h.vmId, Uint8Array.from(h.clientMac), h.intervalNs, onReport)
    c.status = 'running'
    syncVm()
    const resumeAt = net.events.now
    const shift = resumeAt - (h.pausedAt + h.downtimeNs)
    c.originNs = h.originNs + shift
    c.reported = h.reported
    c.client.loadState(h.client, shift)
    const vmPort = net.sw.ports.find((p) => p.name === h.vmId)
    // frames that were on the wire: the ones for the guest waited out the downtime in the network
    for (const f of h.toVm) net.events.schedule(Math.max(resumeAt, f.at + shift), () => vmPort?.rx.receive(f.frame))
    for (const f of h.toClient) net.events.schedule(f.at + shift, () => c.client.receive(f.frame))
    c.stopAt = resumeAt + TAIL_NS
    c.tick(resumeAt + REPORT_NS)
    return c
  }

  /** Reports every REPORT_NS; at stopAt the client stops sending and waits 10 intervals for the last answers. */
  private tick(at: number): void {
    const end = this.stopAt + 10 * this.intervalNs
    this.net.events.schedule(Math.min(at, end), () => {
      if (this.status === 'done') return
      if (this.now >= this.stopAt) this.client.stop()
      if (this.now >= end) {
        this.finish()
        return
      }
      this.report()
      this.tick(Math.min(at + REPORT_NS, this.now >= this.stopAt ? end : this.stopAt))
    })
  }

  /** Stop for good and send the last report. */
  finish(): void {
    if (this.status === 'done') return
    this.client.stop()
    this.close()
    this.status = 'done'
    this.report()
  }

  private close(): void {
    this.client.stop()
    this.net.sw.detach(this.port)
  }
}
