// The host's virtual switch (a learning bridge, as Linux bridge / Open vSwitch in its simplest mode): ports for
// each VM NIC and one uplink. Forwarding costs virtual time: a per-frame switching cost plus serialization on the
// output port's link, which is busy while a frame is on the wire (so a port's throughput is bounded by its speed).
import { EventQueue } from './events'
import { type FrameRx, type FrameTx, type Mac, dstMac, isMulticast, macToString, srcMac } from './frame'

export interface SwitchOptions {
  /** Cycles to switch one frame (software bridge work per packet). */
  perFrameCycles: number
  /** Link speed of every port, Gbit/s. */
  linkGbps: number
}

export interface PortStats {
  txFrames: number
  rxFrames: number
  rxBytes: number
}

export class SwitchPort implements FrameTx {
  busyUntil = 0
  readonly stats: PortStats = { txFrames: 0, rxFrames: 0, rxBytes: 0 }

  constructor(
    readonly sw: VirtualSwitch,
    readonly name: string,
    public rx: FrameRx,
    /** Switching cost for frames entering here, if not the switch default (e.g. a VF on the NIC's own bridge; a
     * failover pair sets it for the frames its VF sends). */
    public perFrameCycles: number | null = null
  ) {}

  transmit(frame: Uint8Array): void {
    this.stats.txFrames++
    this.sw.forward(this, frame.slice())
  }
}

export class VirtualSwitch {
  readonly ports: SwitchPort[] = []
  private readonly macTable = new Map<string, SwitchPort>()
  readonly stats = { forwarded: 0, flooded: 0, dropped: 0 }

  constructor(
    readonly events: EventQueue,
    readonly options: SwitchOptions
  ) {}

  attach(name: string, rx: FrameRx, perFrameCycles: number | null = null): SwitchPort {
    const p = new SwitchPort(this, name, rx, perFrameCycles)
    this.ports.push(p)
    return p
  }

  detach(port: SwitchPort): void {
    const i = this.ports.indexOf(port)
    if (i >= 0) this.ports.splice(i, 1)
    for (const [mac, p] of this.macTable) if (p === port) this.macTable.delete(mac)
  }

  /** Cycles a frame of `bytes` occupies a link (preamble + inter-frame gap + FCS: 24 bytes more on the wire). */
  wireCycles(bytes: number): number {
    return Math.ceil(((bytes + 24) * 8) / this.options.linkGbps)
  }

  forward(from: SwitchPort, frame: Uint8Array): void {
    this.macTable.set(macToString(srcMac(frame)), from)
    const dst: Mac = dstMac(frame)
    const known = isMulticast(dst) ? undefined : this.macTable.get(macToString(dst))
    const targets = known ? [known] : this.ports.filter((p) => p !== from)
    if (known === from) {
      this.stats.dropped++
      return
    }
    if (known) this.stats.forwarded++
    else this.stats.flooded++
    const ready = this.events.now + (from.perFrameCycles ?? this.options.perFrameCycles)
    for (const port of targets) {
      const start = Math.max(ready, port.busyUntil)
      const done = start + this.wireCycles(frame.length)
      port.busyUntil = done
      this.events.schedule(done, () => {
        port.stats.rxFrames++
        port.stats.rxBytes += frame.length
        port.rx.receive(frame)
      })
    }
  }
}
