// The sending end of a live migration. It owns the source VM while it runs: it runs the guest in virtual time
// between page batches (N bytes at max-bandwidth B take N/B of virtual time), collects the dirty log once per
// round, throttles the vCPU (auto-converge), decides the switchover, and serves post-copy page requests.
import { EngineError } from '../errors'
import { PAGE_SIZE, type MigratableVm } from '../vmm/vm-state'
import { migrationBlockers, type RefusalReason, type VmDescriptor } from './blockers'
import type { MigrationChannel } from './channel'
import { ControlInbox, linkDownError, yieldToEventLoop } from './inbox'
import { resolveMigrationParams, type MigrationParams } from './params'
import { ramDigest, sha256Hex, stateToCanonicalJson, zeroPageTest, type RamCheck } from './state-hash'
import { cloneInfo, emptyInfo, type MigrationInfo, type MigrationStatus, type SwitchoverReason } from './stats'
import {
  encodeControl,
  encodeJsonFrame,
  encodePages,
  FRAME_RETURN,
  FRAME_STATE,
  PAGE_ENTRY_HEADER_BYTES,
  PAGE_RAW,
  PAGE_ZERO,
  PAGES_HEADER_BYTES,
  PagesFrameWriter,
  type ControlMessage,
  type PageEntry
} from './wire'
import { XbzrleCache, xbzrleEncodeInto } from './xbzrle'
import { failoverOf, type FailoverNic } from '../devices/net/failover'

/** Raw pages per PAGES frame (1 MiB of page data). */
export const PAGES_PER_BATCH = 256
/** Entries per PAGES frame at most, zero markers included: the source checks for cancel and reports progress
 * between frames, and a frame's link time is one uninterrupted guest run (on a slow link, thousands of markers
 * plus a few raw pages would be seconds of virtual time). */
const MAX_FRAME_ENTRIES = PAGES_PER_BATCH
/** The largest entry: a raw page, or an XBZRLE delta just under the overflow limit. */
const MAX_ENTRY_BYTES = PAGE_ENTRY_HEADER_BYTES + 2 + PAGE_SIZE
/** A frame buffer holds PAGES_PER_BATCH raw pages. Buffers go to the destination and come back (FRAME_RETURN). */
const FRAME_CAPACITY = PAGES_HEADER_BYTES + PAGES_PER_BATCH * (PAGE_SIZE + PAGE_ENTRY_HEADER_BYTES) + 2
/** Frame buffers that came back at the end of earlier migrations from this thread: the next one starts with
 * them (memory already touched, no page faults to fill it). */
const spareFrames: ArrayBuffer[] = []
/** Frames in flight before the source waits for the destination's acks: enough to keep both ends busy, few
 * enough that only a handful of frame buffers ever exist (each new one costs a page fault per page to touch). */
const ACK_WINDOW = 4
/** Nanoseconds per second: virtual time is in cycles of the 1 GHz nominal clock. */
const NS = 1e9
/** Auto-converge looks at the dirty rate over periods of at least one second (QEMU: migration_bitmap_sync). */
const THROTTLE_PERIOD_NS = 1e9
/** Bounds of one runFor request while the link is busy (virtual cycles). */
const MIN_RUN_CHUNK = 1_000
const MAX_RUN_CHUNK = 100_000_000
/** While the guest runs through a frame's link time, let the event loop deliver a cancel or a link drop after
 * this many virtual cycles (a frame on a slow link is seconds of guest time). */
const YIELD_EVERY_CYCLES = 20_000_000
/** wait-unplug: guest time between two looks at whether the guest released its VF. */
const UNPLUG_STEP_NS = 100_000
/** QEMU waits for the guest as long as it takes; here a guest that has not released its VF after one virtual
 * second loses it by surprise removal (its standby carries on), so a migration cannot hang on a stuck guest. */
const UNPLUG_TIMEOUT_NS = 1e9

export interface MigrationSourceOptions {
  vm: MigratableVm
  channel: MigrationChannel
  hostId: string
  descriptor: VmDescriptor
  params?: Partial<MigrationParams>
  /** Every change of the statistics (round ends, every few batches, status changes). Consumers rate-limit. */
  onProgress?: (info: MigrationInfo) => void
  /** Called when the guest is paused for good, before its state is saved (drain its serial output here). */
  onPause?: () => void
  /** RAM verification at the switchover; the destination refuses to resume on a mismatch. 'written' (default):
   * SHA-256 of the runs of non-zero pages among those each end's written-page record names (cheap: never-used
   * pages are not read; checks every byte that travelled, but trusts the records). 'full' (also `true`): SHA-256 of
   * all guest RAM at both ends, one read of every page per side (tests use it). 'off' (also `false`). The machine
   * state is always verified. */
  verifyRam?: RamCheck | boolean
}

export interface MigrationOutcome {
  status: Extract<MigrationStatus, 'completed' | 'failed' | 'cancelled'>
  info: MigrationInfo
  /** True when the source VM still holds the authoritative guest and may keep running (cancel, pre-copy
   * failure). False after a completed migration (the guest now lives at the destination) and after a post-copy
   * link loss (the guest is lost: VM failed). */
  sourceVmUsable: boolean
  /** Hashes of RAM and machine state at the pause (for verification); null if the source never paused. */
  pauseHashes: { ram: string; state: string } | null
}

class Stop extends Error {
  constructor(readonly kind: 'cancel' | 'link' | 'refused' | 'verify') {
    super(kind)
  }
}

export class MigrationSource {
  readonly params: MigrationParams
  private readonly vm: MigratableVm
  private readonly channel: MigrationChannel
  private readonly inbox: ControlInbox
  private readonly info: MigrationInfo
  private readonly pageCount: number
  private readonly xbzrle: XbzrleCache | null
  /** Where XBZRLE deltas are encoded before they are copied into the frame. */
  private readonly deltaScratch = new Uint8Array(PAGE_SIZE + 16)
  /** Guest RAM as a Buffer (page copies without allocating). */
  private readonly ramBuf: Buffer
  /** Whether a page of guest RAM holds only zeros (state-hash.ts zeroPageTest). */
  private readonly zeroPage: (index: number) => boolean
  /** Pages that may hold data: the VM's written-page record when dirty logging started, plus every page the
   * dirty log reported since. A page outside it is sent as a zero page without being read. null = read all. */
  private written: Uint8Array | null = null
  private readonly ramCheck: RamCheck
  private clockNs = 0
  private guestDeadline = -1
  private runChunk = MIN_RUN_CHUNK
  private seq = 0
  private acked = -1
  /** Frame buffers the destination handed back, reused for the next PAGES frames. */
  private readonly pool: ArrayBuffer[] = []
  private ackWaiter: (() => void) | null = null
  private cancelRequested = false
  private started = false
  private pausedAt: { ram: string; state: string } | null = null
  /** The failover pair whose VF this migration unplugged (re-plugged if the guest stays here). */
  private unplugged: FailoverNic | null = null
  // auto-converge period counters (QEMU RAMState names)
  private periodStartNs = 0
  private bytesXferPrev = 0
  private dirtyPagesPeriod = 0
  private dirtyRateHighCnt = 0

  constructor(private readonly opts: MigrationSourceOptions) {
    this.params = resolveMigrationParams(opts.params)
    this.vm = opts.vm
    this.channel = opts.channel
    this.pageCount = Math.floor(opts.vm.ram.length / PAGE_SIZE)
    this.ramBuf = Buffer.from(opts.vm.ram.buffer, opts.vm.ram.byteOffset, opts.vm.ram.byteLength)
    this.zeroPage = zeroPageTest(opts.vm.ram)
    const v = opts.verifyRam
    this.ramCheck = v === undefined ? 'written' : v === true ? 'full' : v === false ? 'off' : v
    this.info = emptyInfo(opts.vm.ram.length)
    this.xbzrle = this.params.xbzrle ? new XbzrleCache(this.params['xbzrle-cache-size']) : null
    if (this.xbzrle) this.info['xbzrle-cache'] = { 'cache-size': this.params['xbzrle-cache-size'], bytes: 0, pages: 0, 'cache-miss': 0, overflow: 0 }
    this.inbox = new ControlInbox(
      opts.channel,
      (frame) => {
        // a PAGES frame handed back: acknowledged, and its buffer is ours again
        if (frame[0] !== FRAME_RETURN) return
        this.acked = Math.max(this.acked, new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(1, true))
        if (this.pool.length < ACK_WINDOW + 2) this.pool.push(frame.buffer as ArrayBuffer)
        this.ackWaiter?.()
      },
      (msg) => {
        if (msg.op !== 'ack') return false
        this.acked = Math.max(this.acked, msg.seq)
        this.ackWaiter?.()
        return true
      }
    )
    opts.channel.onClose(() => this.ackWaiter?.())
  }

  /** A snapshot of the statistics now. */
  query(): MigrationInfo {
    return cloneInfo(this.info)
  }

  /** Cancel: honoured until the switchover starts (the source keeps running, the destination discards). */
  cancel(): void {
    this.cancelRequested = true
    this.ackWaiter?.()
  }

  /** Inject a link drop (tests, the UI's "drop link" button). */
  dropLink(): void {
    this.channel.close()
  }

  /** Run the migration to its end. Never throws: failures are in the outcome. */
  async start(): Promise<MigrationOutcome> {
    if (this.started) throw new EngineError('MIGRATION_ALREADY_STARTED', 'this migration already started', {})
    this.started = true
    let switched = false // true once the guest may run at the destination (post-copy) or state is sent
    try {
      const blockers = migrationBlockers(this.opts.descriptor)
      if (blockers.length > 0) {
        this.info['blocked-reasons'] = blockers
        this.channel.close()
        return this.finish('failed', { code: 'MIGRATION_BLOCKED', params: { reasons: blockers.map((b) => b.code).join(',') } }, true)
      }
      await this.setup()
      await this.waitUnplug()
      if (this.params['postcopy-ram']) {
        switched = true
        return await this.postcopy()
      }
      return await this.precopy(() => {
        switched = true
      })
    } catch (e) {
      this.vm.dirtyLog.stop()
      if (e instanceof Stop && e.kind === 'cancel') {
        this.channel.send(encodeControl({ op: 'abort', code: 'MIGRATION_CANCELLED' }))
        this.channel.close()
        return this.finish('cancelled', null, true)
      }
      if (e instanceof Stop && e.kind === 'refused') return this.finish('failed', this.info.error, true)
      const err = e instanceof EngineError ? { code: e.code, params: e.params } : { code: 'MIGRATION_INTERNAL', params: { message: String(e) } }
      this.channel.close()
      if (switched && this.params['postcopy-ram']) {
        return this.finish('failed', { code: 'MIGRATION_POSTCOPY_LINK_LOST', params: { cause: err.code } }, false)
      }
      return this.finish('failed', err, true)
    }
  }

  private finish(status: MigrationOutcome['status'], error: RefusalReason | null, usable: boolean): MigrationOutcome {
    // the guest stays here (cancelled, failed in pre-copy): its VF goes back in, as QEMU re-plugs the primary
    if (usable && this.unplugged) this.unplugged.plug()
    while (this.pool.length > 0 && spareFrames.length < ACK_WINDOW + 2) spareFrames.push(this.pool.pop() as ArrayBuffer)
    this.xbzrle?.release()
    this.info.status = status
    this.info.error = error
    if (status === 'completed') {
      this.info.percent = 100
      this.info.remaining = 0
    }
    this.emit()
    return { status, info: cloneInfo(this.info), sourceVmUsable: usable, pauseHashes: this.pausedAt }
  }

  private emit(): void {
    const ms = this.clockNs / 1e6
    this.info['total-time'] = ms
    if (ms > 0) {
      this.info.mbps = (this.info.transferred * 8) / 1e6 / (ms / 1000)
      this.info['pages-per-second'] = (this.info.normal + this.info.duplicate) / (ms / 1000)
    }
    this.opts.onProgress?.(cloneInfo(this.info))
  }

  private advancePercent(remainingBytes: number): void {
    const t = this.info.transferred
    const p = t + remainingBytes > 0 ? (100 * t) / (t + remainingBytes) : 100
    this.info.percent = Math.max(this.info.percent, Math.min(99.9, p))
  }

  /** '' when RAM verification is off (the destination then skips it too). */
  private ramDigest(): string {
    return ramDigest(this.ramCheck, this.vm.ram, this.written)
  }

  /** Start dirty logging and take the VM's record of written pages (nothing runs in between, so the record and
   * the dirty log together cover every write). */
  private startTracking(): void {
    this.vm.dirtyLog.start()
    this.written = this.vm.writtenPages?.() ?? null
  }

  /** The dirty log's pages since the last collect; they may hold data from now on. */
  private collectDirty(): Uint32Array {
    const dirty = this.vm.dirtyLog.collect()
    const w = this.written
    if (w !== null) for (let i = 0; i < dirty.length; i++) w[dirty[i]] = 1
    return dirty
  }

  private linkNs(bytes: number): number {
    return (bytes * NS) / this.params['max-bandwidth']
  }

  private latencyNs(): number {
    return this.params['link-latency'] * 1000
  }

  private async setup(): Promise<void> {
    this.channel.send(
      encodeControl({ op: 'hello', sourceHost: this.opts.hostId, ramBytes: this.vm.ram.length, params: this.params, vm: this.opts.descriptor })
    )
    const reply = await this.inbox.next(['accept', 'refuse'])
    this.clockNs += 2 * this.latencyNs()
    this.info['setup-time'] = this.clockNs / 1e6
    if (reply.op === 'refuse') {
      this.info['blocked-reasons'] = reply.reasons
      this.info.error = { code: 'MIGRATION_REFUSED', params: { reasons: reply.reasons.map((r) => r.code).join(',') } }
      this.channel.close()
      throw new Stop('refused')
    }
  }

  /** A VF + virtio failover pair (QEMU's virtio-net failover): ask the guest to release the VF and run it until
   * it has ('wait-unplug'); its traffic moves to the virtio standby, which is what migrates. */
  private async waitUnplug(): Promise<void> {
    const pair = failoverOf(this.vm)
    if (!pair) return
    const info = { 'unplug-time': 0, 'surprise-removal': false, destination: null }
    this.info.failover = info
    if (!pair.requestUnplug()) return // on its standby already (no VF was free for it)
    this.unplugged = pair
    this.info.status = 'wait-unplug'
    this.emit()
    const start = this.clockNs
    while (pair.state !== 'standby') {
      this.checkStop()
      if (this.clockNs - start >= UNPLUG_TIMEOUT_NS) {
        pair.surpriseRemove()
        info['surprise-removal'] = true
        break
      }
      this.clockNs += UNPLUG_STEP_NS
      await this.runGuest(UNPLUG_STEP_NS)
    }
    info['unplug-time'] = (this.clockNs - start) / 1e6
  }

  /** Run the guest for the virtual time `ns` the link just took, minus the throttle's share. The guest's own
   * clock follows an absolute deadline, so a runFor that overshoots (an idle guest jumping to its next timer)
   * is paid back in the next slice. Calls are chunked, adaptively: a guest whose runFor overshoots a lot gets
   * smaller requests, so dirtying is attributed to the right round. A cancel or link drop ends the run early
   * (the migration is over; the source VM simply goes on). */
  private async runGuest(ns: number): Promise<void> {
    if (this.guestDeadline < 0) this.guestDeadline = this.vm.virtualCycles
    this.guestDeadline += (ns * (100 - this.info['cpu-throttle-percentage'])) / 100
    let sinceYield = 0
    for (;;) {
      if (this.cancelRequested || this.inbox.linkDown || this.channel.closed) return
      const left = Math.floor(this.guestDeadline - this.vm.virtualCycles)
      if (left <= 0) break
      const ask = Math.min(left, this.runChunk)
      const before = this.vm.virtualCycles
      this.vm.runFor(ask)
      const ran = this.vm.virtualCycles - before
      if (ran <= 0) break // halted or stuck: time cannot advance
      if (ran > 2 * ask) this.runChunk = Math.max(MIN_RUN_CHUNK, Math.floor(this.runChunk / 4))
      else if (ask === this.runChunk) this.runChunk = Math.min(MAX_RUN_CHUNK, this.runChunk * 2)
      sinceYield += ran
      if (sinceYield >= YIELD_EVERY_CYCLES) {
        sinceYield = 0
        await yieldToEventLoop()
      }
    }
  }

  private checkStop(): void {
    if (this.inbox.linkDown || this.channel.closed) throw linkDownError()
    if (this.cancelRequested) throw new Stop('cancel')
  }

  private isZero(index: number): boolean {
    const w = this.written
    return (w !== null && w[index] === 0) || this.zeroPage(index)
  }

  /** Append `pages[i]` to the frame, and with a zero page the zero pages that follow it (consecutive indices) as
   * one run; returns the position after what was added. */
  private addPages(w: PagesFrameWriter, pages: Uint32Array, i: number): number {
    const first = pages[i]
    if (!this.isZero(first)) {
      this.addData(w, first)
      return i + 1
    }
    let j = i + 1
    while (j < pages.length && pages[j] === pages[j - 1] + 1 && this.isZero(pages[j])) j++
    const cache = this.xbzrle
    // QEMU caches zero pages too: a later small write encodes small
    if (cache) for (let k = i; k < j; k++) cache.putZero(pages[k])
    this.info.duplicate += j - i
    w.addZeroRun(first, j - i)
    return j
  }

  /** Append page `index`, which holds data: an XBZRLE delta against its cached copy, or raw. */
  private addData(w: PagesFrameWriter, index: number): void {
    const cache = this.xbzrle
    const off = index * PAGE_SIZE
    const stats = this.info['xbzrle-cache']
    if (cache && stats) {
      const page = this.vm.ram.subarray(off, off + PAGE_SIZE)
      const old = cache.get(index)
      if (old) {
        const n = xbzrleEncodeInto(old, page, PAGE_SIZE - 256, this.deltaScratch)
        cache.put(index, page)
        if (n >= 0) {
          stats.pages++
          stats.bytes += n
          w.addDelta(index, this.deltaScratch.subarray(0, n))
          return
        }
        stats.overflow++
      } else {
        stats['cache-miss']++
        cache.put(index, page)
      }
    }
    this.info.normal++
    this.info['normal-bytes'] += PAGE_SIZE
    w.addRaw(index, this.ramBuf, off)
  }

  /** Post-copy: one page as an entry (no deltas: each page goes once). */
  private entryFor(index: number): PageEntry {
    if (this.isZero(index)) {
      this.info.duplicate++
      return { index, kind: PAGE_ZERO, payload: null }
    }
    this.info.normal++
    this.info['normal-bytes'] += PAGE_SIZE
    const off = index * PAGE_SIZE
    return { index, kind: PAGE_RAW, payload: this.vm.ram.subarray(off, off + PAGE_SIZE) }
  }

  private async waitForWindow(): Promise<void> {
    while (this.seq - 1 - this.acked >= ACK_WINDOW) {
      this.checkStop()
      await new Promise<void>((resolve) => {
        this.ackWaiter = resolve
      })
      this.ackWaiter = null
    }
  }

  /** Send `pages`; with `live`, the guest runs meanwhile. Returns the bytes sent. */
  private async sendPages(pages: Uint32Array, live: boolean, onBatch: (sentSoFar: number) => void): Promise<number> {
    let bytes = 0
    let i = 0
    while (i < pages.length) {
      this.checkStop()
      const w = new PagesFrameWriter(this.pool.pop() ?? spareFrames.pop() ?? new ArrayBuffer(FRAME_CAPACITY))
      w.begin(this.seq++)
      while (i < pages.length && w.count < MAX_FRAME_ENTRIES && w.room(MAX_ENTRY_BYTES)) i = this.addPages(w, pages, i)
      const frame = w.finish()
      const ns = this.linkNs(frame.length)
      bytes += frame.length
      this.info.transferred += frame.length
      this.channel.send(frame)
      this.clockNs += ns
      if (live) await this.runGuest(ns)
      onBatch(i)
      await this.waitForWindow()
      if ((this.seq & 7) === 0) {
        this.emit()
        await yieldToEventLoop()
      }
    }
    return bytes
  }

  private maybeThrottle(): void {
    const periodNs = this.clockNs - this.periodStartNs
    if (periodNs < THROTTLE_PERIOD_NS) return
    const bytesXferPeriod = this.info.transferred - this.bytesXferPrev
    const bytesDirtyPeriod = this.dirtyPagesPeriod * PAGE_SIZE
    const p = this.params
    if (p['auto-converge'] && bytesDirtyPeriod > (bytesXferPeriod * p['throttle-trigger-threshold']) / 100 && ++this.dirtyRateHighCnt >= 2) {
      this.dirtyRateHighCnt = 0
      const now = this.info['cpu-throttle-percentage']
      this.info['cpu-throttle-percentage'] = now === 0 ? p['cpu-throttle-initial'] : Math.min(now + p['cpu-throttle-increment'], p['max-cpu-throttle'])
    }
    this.periodStartNs = this.clockNs
    this.bytesXferPrev = this.info.transferred
    this.dirtyPagesPeriod = 0
  }

  private async precopy(markSwitched: () => void): Promise<MigrationOutcome> {
    this.info.status = 'active'
    this.periodStartNs = this.clockNs
    this.emit()
    this.startTracking()
    let pages: Uint32Array = new Uint32Array(this.pageCount)
    for (let i = 0; i < this.pageCount; i++) pages[i] = i
    const wire = PAGE_SIZE + PAGE_ENTRY_HEADER_BYTES
    const budgetBytes = (this.params['max-bandwidth'] * this.params['downtime-limit']) / 1000
    const autoConverge = this.params['auto-converge']
    const maxRounds = this.params['max-rounds']
    const maxTotal = this.params['max-total-factor'] * this.vm.ram.length
    // with auto-converge the Xen limits count only from the moment the throttle is at its maximum
    let limitRounds = 0
    let limitBytesFrom = 0
    let reason: SwitchoverReason
    for (let round = 0; ; round++) {
      const start = this.clockNs
      const throttle = this.info['cpu-throttle-percentage']
      const bytes = await this.sendPages(pages, true, (sent) => {
        this.info.remaining = (pages.length - sent) * PAGE_SIZE
        this.advancePercent((pages.length - sent) * wire)
      })
      const dirty = this.collectDirty()
      this.info['dirty-sync-count']++
      this.dirtyPagesPeriod += dirty.length
      this.info.rounds.push({ round, pagesSent: pages.length, pagesDirtied: dirty.length, durationMs: (this.clockNs - start) / 1e6, bytes, throttle })
      // pages dirtied per second over the round just sent (QEMU reports it per sync period)
      if (this.clockNs > start) this.info['dirty-pages-rate'] = Math.round(dirty.length / ((this.clockNs - start) / NS))
      this.maybeThrottle()
      this.info.remaining = dirty.length * PAGE_SIZE
      this.info['expected-downtime'] = (this.linkNs(dirty.length * wire) + 2 * this.latencyNs()) / 1e6
      this.advancePercent(dirty.length * wire)
      this.emit()
      pages = dirty
      if (dirty.length * wire <= budgetBytes) {
        reason = 'converged'
        break
      }
      const throttleMaxed = this.info['cpu-throttle-percentage'] >= this.params['max-cpu-throttle']
      if (autoConverge && !throttleMaxed) {
        limitBytesFrom = this.info.transferred
        continue
      }
      limitRounds++
      if ((autoConverge ? limitRounds : round + 1) >= maxRounds) {
        reason = 'round-limit'
        break
      }
      if (this.info.transferred - (autoConverge ? limitBytesFrom : 0) >= maxTotal) {
        reason = 'total-limit'
        break
      }
    }
    return this.switchover(pages, reason, markSwitched)
  }

  /** Stop-and-copy: pause, send the last dirty pages and the state, verify, resume at the destination. */
  private async switchover(pages: Uint32Array, reason: SwitchoverReason, markSwitched: () => void): Promise<MigrationOutcome> {
    this.checkStop()
    this.info['switchover-reason'] = reason
    this.opts.onPause?.()
    const pauseStart = this.clockNs
    const wire = PAGE_SIZE + PAGE_ENTRY_HEADER_BYTES
    await this.sendPages(pages, false, (sent) => {
      this.info.remaining = (pages.length - sent) * PAGE_SIZE
      this.advancePercent((pages.length - sent) * wire)
    })
    this.vm.dirtyLog.stop()
    const state = this.vm.saveState()
    const stateJson = stateToCanonicalJson(state)
    this.pausedAt = { ram: this.ramDigest(), state: sha256Hex(stateJson) }
    const stateFrame = encodeJsonFrame(FRAME_STATE, stateJson)
    this.info.transferred += stateFrame.length
    this.clockNs += this.linkNs(stateFrame.length)
    this.channel.send(stateFrame)
    this.channel.send(encodeControl({ op: 'switchover', ramCheck: this.ramCheck, ramHash: this.pausedAt.ram, stateHash: this.pausedAt.state }))
    const ready = await this.inbox.next(['ready', 'error'])
    if (ready.op !== 'ready') throw new EngineError(ready.op === 'error' ? ready.code : 'MIGRATION_PROTOCOL', 'destination failed', ready.op === 'error' ? ready.params : {})
    // last byte's one-way delay plus the ready/go round trip
    this.clockNs += 2 * this.latencyNs()
    if (this.info.failover && ready.failover) this.info.failover.destination = ready.failover
    if (ready.ramHash !== this.pausedAt.ram || ready.stateHash !== this.pausedAt.state) {
      this.channel.send(encodeControl({ op: 'abort', code: 'MIGRATION_VERIFY_FAILED' }))
      this.channel.close()
      return this.finish('failed', { code: 'MIGRATION_VERIFY_FAILED', params: {} }, true)
    }
    this.channel.send(encodeControl({ op: 'go' }))
    markSwitched()
    this.info.downtime = (this.clockNs - pauseStart) / 1e6
    return this.finish('completed', null, false)
  }

  /** Post-copy: pause now, ship the state, then answer the destination's pulls; every page goes exactly once. */
  private async postcopy(): Promise<MigrationOutcome> {
    this.info['switchover-reason'] = 'postcopy'
    this.opts.onPause?.()
    this.written = this.vm.writtenPages?.() ?? null
    const state = this.vm.saveState()
    const stateJson = stateToCanonicalJson(state)
    this.pausedAt = { ram: this.ramDigest(), state: sha256Hex(stateJson) }
    const stateFrame = encodeJsonFrame(FRAME_STATE, stateJson)
    this.info.transferred += stateFrame.length
    const pauseStart = this.clockNs
    this.clockNs += this.linkNs(stateFrame.length) + this.latencyNs()
    this.channel.send(stateFrame)
    this.channel.send(encodeControl({ op: 'postcopy', stateHash: this.pausedAt.state }))
    this.info.downtime = (this.clockNs - pauseStart) / 1e6
    this.info.status = 'postcopy-active'
    const switchNs = this.clockNs
    this.emit()
    const sent = new Uint8Array(this.pageCount)
    let unsent = this.pageCount
    let cursor = 0
    const wire = PAGE_SIZE + PAGE_ENTRY_HEADER_BYTES
    for (;;) {
      const msg: ControlMessage = await this.inbox.next(['pull', 'postcopy-done', 'error'])
      if (msg.op === 'error') throw new EngineError(msg.code, 'destination failed', msg.params)
      if (msg.op === 'postcopy-done') {
        this.clockNs = switchNs + msg.clockNs
        if (this.info.failover && msg.failover) this.info.failover.destination = msg.failover
        return this.finish('completed', null, false)
      }
      if (msg.op !== 'pull') continue
      this.clockNs = switchNs + msg.clockNs
      const entries: PageEntry[] = []
      for (const idx of msg.demand) {
        if (idx < 0 || idx >= this.pageCount || sent[idx]) continue
        sent[idx] = 1
        unsent--
        this.info['postcopy-requests']++
        entries.push(this.entryFor(idx))
      }
      let budget = msg.budget
      while (unsent > 0 && budget >= wire) {
        while (sent[cursor]) cursor++
        sent[cursor] = 1
        unsent--
        const e = this.entryFor(cursor)
        budget -= e.kind === PAGE_ZERO ? PAGE_ENTRY_HEADER_BYTES : wire
        entries.push(e)
      }
      const frame = encodePages(this.seq++, entries)
      this.info.transferred += frame.length
      this.channel.send(frame)
      this.info.remaining = unsent * PAGE_SIZE
      this.advancePercent(unsent * wire)
      this.emit()
    }
  }
}
