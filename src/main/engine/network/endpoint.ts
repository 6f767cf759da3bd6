// The external endpoint on the switch's uplink: a traffic generator and client that sends test frames at a chosen
// rate, echoes or sinks what it receives, answers ARP for the gateway address (as QEMU's slirp does for 10.0.2.2,
// with the same MAC, so a guest sees the same answer on QEMU and on the workbench), and measures throughput and
// latency in virtual time.
import type { EventQueue } from './events'
import {
  ETHERTYPE_ARP,
  type FrameRx,
  type FrameTx,
  type Mac,
  buildFrame,
  buildTestFrame,
  etherType,
  macFromString,
  parseTestFrame,
  srcMac
} from './frame'

export const GATEWAY_IP = [10, 0, 2, 2]
export const GATEWAY_MAC = macFromString('52:55:0a:00:02:02')

export interface EndpointStats {
  sent: number
  received: number
  receivedBytes: number
  arpReplies: number
  firstRxAt: number
  lastRxAt: number
  latencySum: number
  latencyMin: number
  latencyMax: number
  latencySamples: number
}

export type EndpointMode = 'sink' | 'echo'

export class ExternalEndpoint implements FrameRx {
  tx: FrameTx | null = null
  mode: EndpointMode = 'sink'
  /** Cycles the endpoint needs to turn an echo around. */
  turnaroundCycles = 0
  readonly stats: EndpointStats = {
    sent: 0,
    received: 0,
    receivedBytes: 0,
    arpReplies: 0,
    firstRxAt: -1,
    lastRxAt: -1,
    latencySum: 0,
    latencyMin: Infinity,
    latencyMax: 0,
    latencySamples: 0
  }
  /** Called for every test frame the endpoint receives (after measuring). */
  onTestFrame: ((seq: number, at: number) => void) | null = null

  constructor(
    readonly events: EventQueue,
    readonly mac: Mac = macFromString('02:00:00:00:00:fe')
  ) {}

  receive(frame: Uint8Array): void {
    const now = this.events.now
    if (etherType(frame) === ETHERTYPE_ARP) {
      this.answerArp(frame)
      return
    }
    const t = parseTestFrame(frame)
    if (!t) return
    const s = this.stats
    s.received++
    s.receivedBytes += frame.length
    if (s.firstRxAt < 0) s.firstRxAt = now
    s.lastRxAt = now
    const lat = now - t.sentAt
    s.latencySum += lat
    s.latencySamples++
    s.latencyMin = Math.min(s.latencyMin, lat)
    s.latencyMax = Math.max(s.latencyMax, lat)
    if (this.mode === 'echo' && this.tx) {
      const reply = frame.slice()
      reply.set(srcMac(frame), 0)
      reply.set(this.mac, 6)
      const tx = this.tx
      this.events.schedule(now + this.turnaroundCycles, () => tx.transmit(reply))
    }
    this.onTestFrame?.(t.seq, now)
  }

  /** ARP request "who has 10.0.2.2" → reply from the gateway MAC. */
  private answerArp(f: Uint8Array): void {
    if (f.length < 42 || f[21] !== 1 || !this.tx) return
    for (let i = 0; i < 4; i++) if (f[38 + i] !== GATEWAY_IP[i]) return
    const p = new Uint8Array(28)
    p.set([0, 1, 0x08, 0x00, 6, 4, 0, 2])
    p.set(GATEWAY_MAC, 8)
    p.set(GATEWAY_IP, 14)
    p.set(f.subarray(22, 28), 18) // target = the asker
    p.set(f.subarray(28, 32), 24)
    this.stats.arpReplies++
    this.tx.transmit(buildFrame(f.subarray(22, 28), GATEWAY_MAC, ETHERTYPE_ARP, p))
  }

  /** Send `count` test frames of `size` bytes to `dst`, one every `intervalCycles`, starting now. */
  generate(dst: Mac, count: number, size: number, intervalCycles: number): void {
    const start = this.events.now
    for (let i = 0; i < count; i++) {
      const at = start + i * intervalCycles
      this.events.schedule(at, () => {
        if (!this.tx) return
        this.stats.sent++
        this.tx.transmit(buildTestFrame(dst, this.mac, i, at, size))
      })
    }
  }

  /** Received test frames per virtual second over the receive window. */
  throughputPps(): number {
    const s = this.stats
    if (s.received < 2 || s.lastRxAt <= s.firstRxAt) return 0
    return ((s.received - 1) * 1e9) / (s.lastRxAt - s.firstRxAt)
  }

  meanLatency(): number {
    return this.stats.latencySamples ? this.stats.latencySum / this.stats.latencySamples : 0
  }
}
