// The receiving end of a live migration. It checks the hello (memory, capabilities, not the same host), creates
// the incoming VM, writes arriving pages into its RAM, verifies RAM and state at switchover and resumes the guest
// on the source's "go". In post-copy it runs the guest itself until every page is in, pulling missing pages on
// demand (network page faults) and granting the source link time for background pages.
import { EngineError } from '../errors'
import { PAGE_SIZE, type MigratableVm, type PostcopyTarget } from '../vmm/vm-state'
import { destinationRefusals, type DestinationOffer, type RefusalReason, type VmDescriptor } from './blockers'
import type { MigrationChannel } from './channel'
import { ControlInbox, yieldToEventLoop } from './inbox'
import type { MigrationParams } from './params'
import { ramDigest, sha256Hex, stateFromJson, stateToCanonicalJson, type RamCheck } from './state-hash'
import { decodePages, encodeControl, FRAME_PAGES, FRAME_RETURN, FRAME_STATE, PAGE_ENTRY_HEADER_BYTES, PAGE_RAW, PAGE_XBZRLE, PAGE_ZERO } from './wire'
import { xbzrleDecode } from './xbzrle'
import { failoverOf } from '../devices/net/failover'
import type { VmMachineState } from '../vmm/vm-state'

const ZERO_PAGE = new Uint8Array(PAGE_SIZE)

/** An all-ones record: every page may hold data (a VM that cannot say which pages it wrote). */
function allPages(count: number): Uint8Array {
  return new Uint8Array(count).fill(1)
}

export type IncomingVm = MigratableVm & Partial<PostcopyTarget>

export type DestinationEvent =
  | { type: 'accepted'; vm: VmDescriptor }
  | { type: 'refused'; reasons: RefusalReason[] }
  /** Post-copy: the guest now runs here while pages still arrive. */
  | { type: 'postcopy-started' }
  /** The guest runs here from now on; the host takes `vm` over. */
  | { type: 'resumed' }
  /** The incoming copy was thrown away (cancel, link drop in pre-copy, failed verification). */
  | { type: 'discarded'; code: string }
  /** Post-copy lost its link: the guest cannot continue anywhere. */
  | { type: 'failed'; code: string }

export interface DestinationOutcome {
  status: 'resumed' | 'refused' | 'discarded' | 'failed'
  /** The running VM when resumed; null otherwise (a discarded copy is dropped). */
  vm: IncomingVm | null
  code: string | null
  /** Pages received over the link, and how many of them arrived more than once (post-copy: must be 0). */
  pagesReceived: number
  duplicatePageDeliveries: number
  postcopyRequests: number
}

export interface MigrationDestinationOptions {
  channel: MigrationChannel
  offer: DestinationOffer
  /** Build an empty VM of the described size (same config); RAM is filled by the migration. */
  createVm: (vm: VmDescriptor) => IncomingVm
  onEvent?: (e: DestinationEvent) => void
  /** Post-copy: awaited once after the state is loaded, before the guest's first slice here (the host connects
   * what must be in place when the guest resumes, e.g. the network clients of the VM's NIC). */
  beforePostcopyRun?: (vm: IncomingVm) => Promise<void> | void
  /** Post-copy: called after every slice the guest ran here (drain serial output, sample stats). */
  onPostcopySlice?: (vm: IncomingVm) => void
  /** Pages of link time per post-copy run slice (default 64). */
  postcopySlicePages?: number
}

export class MigrationDestination {
  /** Resolves when the migration is over on this side. */
  readonly done: Promise<DestinationOutcome>
  private readonly inbox: ControlInbox
  private vm: IncomingVm | null = null
  private params: MigrationParams | null = null
  private state: { value: VmMachineState; json: string } | null = null
  private pagesReceived = 0
  private duplicates = 0
  private received: Uint8Array | null = null
  /** Pages of the incoming VM's RAM that may hold data: the fresh VM's own record (its image) plus every page
   * written here. A zero page arriving for a page outside it needs no write: fresh RAM is zero, and not
   * touching it spares the host a page fault. */
  private written: Uint8Array | null = null
  private postcopy = false
  private pendingPages: ((frame: Uint8Array) => void) | null = null
  private dataError: Error | null = null

  constructor(private readonly opts: MigrationDestinationOptions) {
    this.inbox = new ControlInbox(opts.channel, (frame) => this.onData(frame))
    this.done = this.run()
  }

  private emit(e: DestinationEvent): void {
    this.opts.onEvent?.(e)
  }

  private onData(frame: Uint8Array): void {
    try {
      if (frame[0] === FRAME_STATE) {
        const json = new TextDecoder().decode(frame.subarray(1))
        this.state = { value: stateFromJson(json), json }
        return
      }
      if (frame[0] !== FRAME_PAGES) throw new EngineError('MIGRATION_PROTOCOL', 'unknown frame', { type: frame[0] })
      if (this.postcopy) {
        const take = this.pendingPages
        this.pendingPages = null
        take?.(frame)
        return
      }
      this.applyPages(frame)
      // hand the buffer back: it acknowledges the frame (its seq stays in bytes 1..4) and the source reuses it
      frame[0] = FRAME_RETURN
      this.opts.channel.send(frame)
    } catch (e) {
      this.dataError = e instanceof Error ? e : new Error(String(e))
      this.opts.channel.close()
    }
  }

  /** Write a PAGES frame into RAM (pre-copy) or install its pages (post-copy). Returns its sequence number. */
  private applyPages(frame: Uint8Array): number {
    const vm = this.vm
    if (!vm) throw new EngineError('MIGRATION_PROTOCOL', 'pages before accept', {})
    const ram = vm.ram
    const zero = ZERO_PAGE
    const written = this.written ?? allPages(Math.floor(ram.length / PAGE_SIZE))
    this.written = written
    return decodePages(frame, (index, kind, payload) => {
      const off = index * PAGE_SIZE
      if (off + PAGE_SIZE > ram.length) throw new EngineError('MIGRATION_PROTOCOL', 'page index out of range', { index })
      this.pagesReceived++
      if (this.received) {
        if (this.received[index]) this.duplicates++
        this.received[index] = 1
      }
      if (this.postcopy && vm.installPage) {
        if (kind === PAGE_XBZRLE) throw new EngineError('MIGRATION_PROTOCOL', 'delta page in post-copy', { index })
        vm.installPage(index, kind === PAGE_ZERO || !payload ? zero : payload)
        return
      }
      if (kind === PAGE_ZERO) {
        if (written[index]) {
          ram.fill(0, off, off + PAGE_SIZE)
          written[index] = 0
        }
        return
      }
      written[index] = 1
      if (kind === PAGE_RAW && payload) ram.set(payload, off)
      else if (kind === PAGE_XBZRLE && payload) xbzrleDecode(payload, ram.subarray(off, off + PAGE_SIZE))
    })
  }

  private outcome(status: DestinationOutcome['status'], code: string | null): DestinationOutcome {
    const keep = status === 'resumed' ? this.vm : null
    if (status !== 'resumed') this.vm = null
    return {
      status,
      vm: keep,
      code,
      pagesReceived: this.pagesReceived,
      duplicatePageDeliveries: this.duplicates,
      postcopyRequests: this.requests
    }
  }

  private requests = 0

  private async run(): Promise<DestinationOutcome> {
    let hello
    try {
      hello = await this.inbox.next(['hello'])
    } catch {
      return this.outcome('discarded', 'MIGRATION_LINK_DOWN')
    }
    if (hello.op !== 'hello') return this.outcome('discarded', 'MIGRATION_PROTOCOL')
    const reasons = destinationRefusals(hello.sourceHost, hello.vm, this.opts.offer)
    if (reasons.length === 0) {
      try {
        this.vm = this.opts.createVm(hello.vm)
      } catch (e) {
        // the host cannot build it (e.g. no VF for the VM's NIC): a refusal, not a crash of the endpoint
        reasons.push(e instanceof EngineError ? { code: e.code, params: e.params } : { code: 'MIGRATION_INTERNAL', params: { message: String(e) } })
      }
      if (!this.vm) {
        // refused above
      } else if (this.vm.ram.length !== hello.ramBytes) {
        reasons.push({ code: 'MIGRATION_DEST_NO_MEMORY', params: { host: this.opts.offer.hostId, needed: hello.ramBytes, available: this.vm.ram.length } })
      } else if (hello.params['postcopy-ram'] && !(this.vm.beginPostcopy && this.vm.installPage && this.vm.endPostcopy)) {
        reasons.push({ code: 'MIGRATION_DEST_LACKS_CAPABILITY', params: { host: this.opts.offer.hostId, capability: 'postcopy-ram' } })
      }
    }
    if (reasons.length > 0) {
      this.vm = null
      this.opts.channel.send(encodeControl({ op: 'refuse', reasons }))
      this.emit({ type: 'refused', reasons })
      return this.outcome('refused', reasons[0].code)
    }
    this.params = hello.params
    this.received = new Uint8Array(Math.floor(hello.ramBytes / PAGE_SIZE))
    this.written = this.vm?.writtenPages?.() ?? null
    this.opts.channel.send(encodeControl({ op: 'accept' }))
    this.emit({ type: 'accepted', vm: hello.vm })
    try {
      const next = await this.inbox.next(['switchover', 'postcopy', 'abort'])
      if (this.dataError) throw this.dataError
      if (next.op === 'abort') return this.discard(next.code)
      if (next.op === 'postcopy') return await this.runPostcopy(next.stateHash)
      if (next.op !== 'switchover') return this.discard('MIGRATION_PROTOCOL')
      return await this.finishPrecopy(next.ramCheck)
    } catch (e) {
      const cause = this.dataError ?? e
      const code = cause instanceof EngineError ? cause.code : 'MIGRATION_INTERNAL'
      if (this.postcopy) {
        this.emit({ type: 'failed', code: 'MIGRATION_POSTCOPY_LINK_LOST' })
        return this.outcome('failed', 'MIGRATION_POSTCOPY_LINK_LOST')
      }
      return this.discard(code)
    }
  }

  private discard(code: string): DestinationOutcome {
    this.opts.channel.close()
    this.emit({ type: 'discarded', code })
    return this.outcome('discarded', code)
  }

  /** Load the received state; `record`: hand the VM the record of written pages (pre-copy; in post-copy the
   * pages are still arriving and the VM keeps its own account of installPage). */
  private loadedState(record: boolean): { vm: IncomingVm; stateHash: string } {
    const vm = this.vm
    if (!vm || !this.state) throw new EngineError('MIGRATION_PROTOCOL', 'no state received', {})
    vm.loadState(this.state.value)
    // RAM was written behind the VM's back: hand it the record of what may hold data
    if (record && this.written) vm.setWrittenPages?.(this.written)
    // hash what the VM holds now (re-saved), not just what arrived
    return { vm, stateHash: sha256Hex(stateToCanonicalJson(vm.saveState())) }
  }

  /** A failover pair arrives on its standby (the source unplugged the VF): plug a VF of this host's in when one
   * is free. After the hashes: the plug is this host's doing, not part of the state that travelled. */
  private replug(vm: IncomingVm): 'primary' | 'standby' | undefined {
    const pair = failoverOf(vm)
    if (!pair) return undefined
    return pair.plug() ? 'primary' : 'standby'
  }

  private async finishPrecopy(check: RamCheck): Promise<DestinationOutcome> {
    const { vm, stateHash } = this.loadedState(true)
    const ram = ramDigest(check, vm.ram, this.written)
    const failover = this.replug(vm)
    this.opts.channel.send(encodeControl({ op: 'ready', ramHash: ram, stateHash, ...(failover ? { failover } : {}) }))
    const verdict = await this.inbox.next(['go', 'abort'])
    if (verdict.op === 'abort') return this.discard(verdict.code)
    this.emit({ type: 'resumed' })
    this.opts.channel.close()
    return this.outcome('resumed', null)
  }

  private nextPagesFrame(): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.pendingPages = resolve
    })
  }

  private async runPostcopy(expectedStateHash: string): Promise<DestinationOutcome> {
    const params = this.params
    const received = this.received
    if (!params || !received) throw new EngineError('MIGRATION_PROTOCOL', 'post-copy before hello', {})
    const { vm, stateHash } = this.loadedState(false)
    if (stateHash !== expectedStateHash) throw new EngineError('MIGRATION_VERIFY_FAILED', 'state hash differs', {})
    const target = vm as MigratableVm & PostcopyTarget
    this.postcopy = true
    target.beginPostcopy()
    this.emit({ type: 'postcopy-started' })
    const bandwidth = params['max-bandwidth']
    const latencyNs = params['link-latency'] * 1000
    const wire = PAGE_SIZE + PAGE_ENTRY_HEADER_BYTES
    const sliceNs = ((this.opts.postcopySlicePages ?? 64) * wire * 1e9) / bandwidth
    const total = received.length
    let installed = 0
    let clockNs = 0
    let creditBytes = 0
    let runNs = 0
    // the source reporting an error or the link dropping ends post-copy: the guest cannot get its pages
    const failure = this.inbox.next(['error']).then((m) => {
      throw new EngineError(m.op === 'error' ? m.code : 'MIGRATION_PROTOCOL', 'source failed', {})
    })
    failure.catch(() => undefined)
    if (this.opts.beforePostcopyRun) await Promise.race([Promise.resolve(this.opts.beforePostcopyRun(vm)), failure])
    while (installed < total) {
      const before = vm.virtualCycles
      target.runFor(Math.max(1, Math.floor(sliceNs)))
      const ran = vm.virtualCycles - before
      runNs += ran
      const fault = target.missingPageFault
      // an idle or halted guest still lets link time pass
      const elapsed = ran > 0 || fault >= 0 ? ran : sliceNs
      clockNs += elapsed
      creditBytes += (elapsed * bandwidth) / 1e9
      const demand = fault >= 0 ? [fault] : []
      const budget = Math.floor(creditBytes)
      const framePromise = this.nextPagesFrame()
      this.opts.channel.send(encodeControl({ op: 'pull', demand, budget, clockNs, runNs, faults: this.requests }))
      const frame = await Promise.race([framePromise, failure])
      const beforeCount = this.pagesReceived
      let demandBytes = 0
      this.applyPages(frame)
      const got = this.pagesReceived - beforeCount
      installed += got
      if (demand.length > 0 && received[demand[0]]) {
        // the guest waited: request one way, the page back, at link speed
        this.requests++
        demandBytes = wire
        const stallNs = 2 * latencyNs + (wire * 1e9) / bandwidth
        clockNs += stallNs
        creditBytes += (2 * latencyNs * bandwidth) / 1e9
      }
      creditBytes = Math.max(0, creditBytes - (frame.length - demandBytes))
      this.opts.onPostcopySlice?.(vm)
      if ((installed & 0xff) === 0) await yieldToEventLoop()
    }
    target.endPostcopy()
    this.postcopy = false
    // a VF's DMA would not wait for pages still on their way: a failover pair gets its VF once all are here
    const failover = this.replug(vm)
    this.opts.channel.send(encodeControl({ op: 'postcopy-done', clockNs, ...(failover ? { failover } : {}) }))
    this.emit({ type: 'resumed' })
    this.opts.channel.close()
    return this.outcome('resumed', null)
  }
}
