// The client load generator: a host-side client on the virtual network that sends requests to a guest's `web`
// workload at a fixed rate (in virtual time) and records, per request, when it was sent, when (and how often) it
// was answered and the server's counter. Its timeline is what a user of the service would see: during a live
// migration the answers stop for the downtime and resume at the destination (the blip).
import type { EventQueue } from './events'
import type { FrameRx, FrameTx, Mac } from './frame'
import { WEB_OP_RESPONSE, buildWebRequest, parseWebFrame } from './web-protocol'

export interface WebRequestRecord {
  id: number
  /** Virtual ns (host time) the request left the client. */
  sentAt: number
  /** Virtual ns the first answer arrived, or -1. */
  answeredAt: number
  /** The server's counter in the first answer (-1 if none). */
  counter: number
  /** Answers received for this id (1 is right; 2 or more = answered twice). */
  answers: number
}

export interface WebClientSummary {
  sent: number
  answered: number
  /** Requests sent at least `graceNs` before `at` that have no answer. */
  lost: number
  duplicates: number
  /** Answers whose counter is not exactly one more than the previous answer's. */
  counterBreaks: number
  /** Frames that were not answers to our requests. */
  stray: number
  meanLatencyNs: number
  maxLatencyNs: number
  /** Longest interval between consecutive answers (ns). */
  maxGapNs: number
  /** When the longest gap started (answer time before it, ns). */
  maxGapStart: number
}

/** A client as plain data (it moves between host workers with a live-migrating VM: docs/migration.md). */
export interface WebClientState {
  records: WebRequestRecord[]
  stray: number
  running: boolean
  nextId: number
  limit: number
  /** Host time (virtual ns) of the next request, when running. */
  nextAt: number
}

export class WebLoadClient implements FrameRx {
  tx: FrameTx | null = null
  readonly records: WebRequestRecord[] = []
  stray = 0
  private running = false
  private nextId = 1
  private limit = 0
  private nextAt = 0
  /** Called for every first answer (for live timelines). */
  onAnswer: ((r: WebRequestRecord) => void) | null = null

  constructor(
    readonly events: EventQueue,
    readonly mac: Mac,
    /** The guest's MAC. */
    readonly server: Mac,
    /** Interval between requests, virtual ns. */
    readonly intervalNs: number
  ) {
    if (!(intervalNs > 0)) throw new RangeError(`request interval must be positive (${intervalNs})`)
  }

  /** Start sending: one request now and one every interval until stop() (or `count` requests, if given). */
  start(count = 0): void {
    if (this.running) return
    this.running = true
    this.limit = count > 0 ? this.records.length + count : 0
    this.tick(this.events.now)
  }

  stop(): void {
    this.running = false
  }

  /** The client's state now; with `stop`, it also stops sending here (its next request is in the state). */
  saveState(stop = false): WebClientState {
    const state = { records: this.records.map((r) => ({ ...r })), stray: this.stray, running: this.running, nextId: this.nextId, limit: this.limit, nextAt: this.nextAt }
    if (stop) this.running = false
    return state
  }

  /** Continue from `state` on this client's event queue, with every time moved by `shiftNs` (the new host's
   * clock minus the old one's). Requests due in the past are sent now, stamped with their own send times. */
  loadState(state: WebClientState, shiftNs: number): void {
    this.records.length = 0
    for (const r of state.records) this.records.push({ ...r, sentAt: r.sentAt + shiftNs, answeredAt: r.answeredAt >= 0 ? r.answeredAt + shiftNs : -1 })
    this.stray = state.stray
    this.nextId = state.nextId
    this.limit = state.limit
    this.running = state.running
    if (state.running) this.tick(state.nextAt + shiftNs)
  }

  private tick(at: number): void {
    this.nextAt = at
    this.events.schedule(at, () => {
      if (!this.running) return
      if (this.limit && this.records.length >= this.limit) {
        this.running = false
        return
      }
      const id = this.nextId++
      this.records.push({ id, sentAt: at, answeredAt: -1, counter: -1, answers: 0 })
      this.tx?.transmit(buildWebRequest(this.server, this.mac, id, at))
      this.tick(at + this.intervalNs)
    })
  }

  receive(frame: Uint8Array): void {
    const m = parseWebFrame(frame)
    const r = m && m.op === WEB_OP_RESPONSE ? this.records[m.id - 1] : undefined
    if (!m || !r || r.id !== m.id) {
      this.stray++
      return
    }
    r.answers++
    if (r.answers > 1) return
    r.answeredAt = this.events.now
    r.counter = m.counter
    this.onAnswer?.(r)
  }

  /** Figures over the requests so far; requests younger than `graceNs` at `at` are not counted as lost. */
  summary(at: number = this.events.now, graceNs: number = 10 * this.intervalNs): WebClientSummary {
    const answered = this.records.filter((r) => r.answeredAt >= 0).sort((a, b) => a.answeredAt - b.answeredAt)
    let sum = 0
    let maxLatencyNs = 0
    let maxGapNs = 0
    let maxGapStart = -1
    let counterBreaks = 0
    answered.forEach((r, i) => {
      const lat = r.answeredAt - r.sentAt
      sum += lat
      maxLatencyNs = Math.max(maxLatencyNs, lat)
      if (i > 0) {
        const prev = answered[i - 1]
        if (r.counter !== prev.counter + 1) counterBreaks++
        if (r.answeredAt - prev.answeredAt > maxGapNs) {
          maxGapNs = r.answeredAt - prev.answeredAt
          maxGapStart = prev.answeredAt
        }
      }
    })
    return {
      sent: this.records.length,
      answered: answered.length,
      lost: this.records.filter((r) => r.answeredAt < 0 && r.sentAt + graceNs <= at).length,
      duplicates: this.records.reduce((n, r) => n + Math.max(0, r.answers - 1), 0),
      counterBreaks,
      stray: this.stray,
      meanLatencyNs: answered.length ? sum / answered.length : 0,
      maxLatencyNs,
      maxGapNs,
      maxGapStart
    }
  }

  /** The latency timeline (answered requests, in send order): virtual ms since `originNs`, latency in ms. */
  timeline(originNs = 0): { tMs: number; latencyMs: number }[] {
    return this.records.filter((r) => r.answeredAt >= 0).map((r) => ({ tMs: (r.sentAt - originNs) / 1e6, latencyMs: (r.answeredAt - r.sentAt) / 1e6 }))
  }
}
