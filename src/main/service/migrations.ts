// Live migrations as the service sees them: refusal checks against the hosts' definitions, wiring of the two
// host workers (a MessageChannel for the link, one for each endpoint's events), the VM's move to the target
// host, progress events (≤ 10 Hz per migration) and the history with CSV/JSON export.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { FullMigrationParams, MigrationInfoDto, MigrationParamsInput, MigrationRecord } from '../../shared/contract'
import { WorkbenchError } from '../../shared/errors'
import {
  DEFAULT_MIGRATION_PARAMS,
  describeVm,
  migrationBlockers,
  preflightMigration,
  resolveMigrationParams,
  type DestinationOffer,
  type RefusalReason
} from '../engine/migration'
import { hostOffer } from '../engine/cluster/capabilities'
import type { MigrationEndpointEvent } from '../engine/migration/host-methods'
import { emptyInfo } from '../engine/migration/stats'
import type { VmConfig } from '../engine/vmm/api'
import type { WorkbenchService } from './workbench-service'

const EMIT_INTERVAL_MS = 100
const MIB = 1024 * 1024

interface Live {
  record: MigrationRecord
  sourceDone: boolean
  destDone: boolean
  lastEmit: number
  timer: NodeJS.Timeout | null
  ports: MessagePort[]
}

export class MigrationManager {
  private readonly live = new Map<string, Live>()
  private readonly history: MigrationRecord[] = []
  private seq = 1

  constructor(private readonly s: WorkbenchService) {}

  defaults(): FullMigrationParams {
    return { ...DEFAULT_MIGRATION_PARAMS }
  }

  list(): MigrationRecord[] {
    return this.history.map((r) => structuredClone(r))
  }

  /** What the target host offers this VM: free memory (VMs running or paused there count) and capabilities. */
  offer(targetHostId: string, exceptVm: string): DestinationOffer {
    const host = this.s.hosts.get(targetHostId)
    let used = 0
    for (const vm of this.s.vms.list()) {
      if (vm.hostId !== targetHostId || vm.id === exceptVm) continue
      const st = this.s.vms.rt(vm.id).state
      if (st === 'running' || st === 'paused') used += vm.memoryMiB
    }
    return hostOffer(host, used)
  }

  private config(vmId: string): VmConfig {
    const def = this.s.vms.get(vmId)
    return { name: def.name, memoryMiB: def.memoryMiB, mode: def.mode, nic: def.nic, vtpm: def.vtpm }
  }

  /** Reasons of the VM itself: not running, already migrating. */
  private vmReasons(vmId: string): RefusalReason[] {
    const reasons: RefusalReason[] = []
    const state = this.s.vms.rt(vmId).state
    if (state !== 'running') reasons.push({ code: 'MIGRATION_VM_NOT_RUNNING', params: { id: vmId, state } })
    for (const l of this.live.values()) {
      if (l.record.vmId === vmId) reasons.push({ code: 'MIGRATION_IN_PROGRESS', params: { id: l.record.id } })
    }
    return reasons
  }

  preflight(vmId: string, targetHostId: string): RefusalReason[] {
    const def = this.s.vms.get(vmId)
    return [...this.vmReasons(vmId), ...preflightMigration(def.hostId, describeVm(this.config(vmId)), this.offer(targetHostId, vmId))]
  }

  /** Why the VM cannot migrate anywhere (the VM page's Migrate button): its own state, source-side blockers
   * (a passthrough device), no other host. A target's memory and capabilities are the dialog's preflight. */
  blockers(vmId: string): RefusalReason[] {
    const def = this.s.vms.get(vmId)
    const reasons = [...this.vmReasons(vmId), ...migrationBlockers(describeVm(this.config(vmId)))]
    if (!this.s.hosts.list().some((h) => h.id !== def.hostId)) reasons.push({ code: 'MIGRATION_NO_OTHER_HOST', params: { host: def.hostId } })
    return reasons
  }

  async start(vmId: string, targetHostId: string, input: MigrationParamsInput): Promise<MigrationRecord> {
    const params = resolveMigrationParams(input)
    const reasons = this.preflight(vmId, targetHostId)
    if (reasons.length > 0) throw new WorkbenchError(reasons[0].code, reasons[0].params)
    const def = this.s.vms.get(vmId)
    let elf: Uint8Array
    try {
      elf = new Uint8Array(readFileSync(join(this.s.opts.guestDir, def.image)))
    } catch {
      throw new WorkbenchError('VM_IMAGE_NOT_FOUND', { image: def.image })
    }
    const seq = this.seq++
    const record: MigrationRecord = {
      id: `mig-${seq}`,
      vmId,
      vmName: def.name,
      sourceHostId: def.hostId,
      targetHostId,
      seq,
      params,
      info: emptyInfo(def.memoryMiB * MIB),
      destination: { status: 'pending', code: null },
      finished: false,
      latency: [],
      client: null
    }
    const link = new MessageChannel()
    const srcEvents = new MessageChannel()
    const dstEvents = new MessageChannel()
    // the load client moves from the source host's network to the destination's with the VM
    const clientLink = new MessageChannel()
    const live: Live = { record, sourceDone: false, destDone: false, lastEmit: 0, timer: null, ports: [srcEvents.port1, dstEvents.port1] }
    this.live.set(record.id, live)
    this.history.push(record)
    for (const p of live.ports) {
      p.on('message', (e: MigrationEndpointEvent) => this.onEndpoint(live, e))
      // an endpoint closes its events port when its migration and client are both done
      p.on('close', () => {
        live.ports = live.ports.filter((q) => q !== p)
        if (live.ports.length === 0 && !live.record.finished) this.finish(live)
      })
    }
    const config = this.config(vmId)
    try {
      await this.s.hosts
        .connection(targetHostId)
        .call(
          'migration.destination',
          { migrationId: record.id, vmId, link: link.port2, events: dstEvents.port2, offer: this.offer(targetHostId, vmId), config, elf, clientLink: clientLink.port2 },
          [link.port2, dstEvents.port2, clientLink.port2, elf.buffer as ArrayBuffer]
        )
      await this.s.hosts.connection(def.hostId).call(
        'migration.source',
        {
          migrationId: record.id,
          vmId,
          hostId: def.hostId,
          link: link.port1,
          events: srcEvents.port2,
          params,
          descriptor: describeVm(config),
          clientLink: clientLink.port1
        },
        [link.port1, srcEvents.port2, clientLink.port1]
      )
    } catch (err) {
      link.port1.close()
      clientLink.port1.close()
      for (const p of live.ports) p.close()
      this.finish(live)
      throw err
    }
    this.emit(live, true)
    return structuredClone(record)
  }

  async cancel(id: string): Promise<MigrationRecord> {
    const l = this.active(id)
    await this.s.hosts.connection(l.record.sourceHostId).call('migration.cancel', { migrationId: id })
    return structuredClone(l.record)
  }

  async dropLink(id: string): Promise<MigrationRecord> {
    const l = this.active(id)
    await this.s.hosts.connection(l.record.sourceHostId).call('migration.dropLink', { migrationId: id })
    return structuredClone(l.record)
  }

  exportHistory(format: 'csv' | 'json'): { text: string; mime: string; filename: string } {
    if (format === 'json') return { text: JSON.stringify(this.history, null, 2) + '\n', mime: 'application/json', filename: 'migrations.json' }
    const head =
      'migration,vm,source,target,status,switchover,downtime_ms,total_time_ms,transferred_bytes,round,pages_sent,pages_dirtied,duration_ms,round_bytes,cpu_throttle_percentage,' +
      'client_requests,client_answered,client_max_gap_ms,client_max_latency_ms'
    const rows: string[] = [head]
    const csv = (v: string | number | null): string => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v ?? ''))
    for (const r of this.history) {
      const i = r.info
      const common = [r.id, r.vmName, r.sourceHostId, r.targetHostId, i.status, i['switchover-reason'], i.downtime, i['total-time'], i.transferred]
      const rounds = i.rounds.length > 0 ? i.rounds : [null]
      for (const rd of rounds) {
        const tail = rd ? [rd.round, rd.pagesSent, rd.pagesDirtied, rd.durationMs, rd.bytes, rd.throttle] : ['', '', '', '', '', '']
        const c = r.client
        const client = c && c.status !== 'no-answer' ? [c.sent, c.answered, c.maxGapMs, c.maxLatencyMs] : ['', '', '', '']
        rows.push([...common, ...tail, ...client].map(csv).join(','))
      }
    }
    return { text: rows.join('\n') + '\n', mime: 'text/csv', filename: 'migrations.csv' }
  }

  private active(id: string): Live {
    const l = this.live.get(id)
    if (!l) {
      if (this.history.some((r) => r.id === id)) throw new WorkbenchError('MIGRATION_FINISHED', { id })
      throw new WorkbenchError('MIGRATION_NOT_FOUND', { id })
    }
    return l
  }

  private onEndpoint(l: Live, e: MigrationEndpointEvent): void {
    const r = l.record
    switch (e.type) {
      case 'progress':
        r.info = e.info as MigrationInfoDto
        this.emit(l, false)
        return
      case 'serial': {
        if (!this.s.vms.list().some((v) => v.id === e.vmId)) return
        this.s.vms.rt(e.vmId).serial.append(e.bytes)
        this.s.emit('vms.tick', { hostId: r.sourceHostId, stats: [], serial: [{ id: e.vmId, bytes: Buffer.from(e.bytes).toString('base64') }] })
        return
      }
      case 'dest-event': {
        const ev = e.event
        if (ev.type === 'accepted') r.destination = { status: 'accepted', code: null }
        else if (ev.type === 'postcopy-started') {
          r.destination = { status: 'postcopy', code: null }
          this.moveVm(r) // the guest runs at the target from now on
        } else if (ev.type === 'resumed') {
          r.destination = { status: 'resumed', code: null }
          this.moveVm(r)
        } else if (ev.type === 'refused') r.destination = { status: 'refused', code: ev.reasons[0]?.code ?? null }
        else if (ev.type === 'discarded') r.destination = { status: 'discarded', code: ev.code }
        else r.destination = { status: 'failed', code: ev.code }
        this.emit(l, true)
        return
      }
      case 'client': {
        const { report } = e
        const sm = report.summary
        r.client = {
          status: report.status,
          intervalMs: report.intervalNs / 1e6,
          sent: sm.sent,
          answered: sm.answered,
          lost: sm.lost,
          duplicates: sm.duplicates,
          counterBreaks: sm.counterBreaks,
          meanLatencyMs: sm.meanLatencyNs / 1e6,
          maxLatencyMs: sm.maxLatencyNs / 1e6,
          maxGapMs: sm.maxGapNs / 1e6
        }
        r.latency.push(...report.samples)
        // after the migration finished only the client's tail still reports
        this.emit(l, report.status === 'done')
        return
      }
      case 'dest-done':
        l.destDone = true
        // stopped or deleted by the user while it migrated: it must not run on at the target (adopted by now)
        if (e.status === 'resumed' && this.stoppedMeanwhile(r)) {
          void this.s.hosts.connection(r.targetHostId).call('vm.stop', { vmId: r.vmId }).catch(() => null)
        }
        break
      case 'source-done':
        r.info = e.info as MigrationInfoDto
        l.sourceDone = true
        if (e.status === 'failed' && !e.sourceVmUsable) this.vmLost(r)
        break
    }
    if (l.sourceDone && l.destDone) this.finish(l)
    else this.emit(l, true)
  }

  private moveVm(r: MigrationRecord): void {
    if (this.stoppedMeanwhile(r)) return
    if (this.s.vms.get(r.vmId).hostId === r.targetHostId) return
    this.s.vms.moveToHost(r.vmId, r.targetHostId)
    this.s.emit('vm.state', this.s.vms.summary(r.vmId))
  }

  private stoppedMeanwhile(r: MigrationRecord): boolean {
    return !this.s.vms.list().some((v) => v.id === r.vmId) || this.s.vms.rt(r.vmId).state === 'stopped'
  }

  private vmLost(r: MigrationRecord): void {
    if (!this.s.vms.list().some((v) => v.id === r.vmId)) return
    const rt = this.s.vms.rt(r.vmId)
    rt.state = 'crashed'
    rt.halt = { kind: 'crash', exitCode: -1, error: { code: 'MIGRATION_POSTCOPY_LINK_LOST', params: { migration: r.id } } }
    this.s.emit('vm.state', this.s.vms.summary(r.vmId))
  }

  /** The migration is over (both endpoints reported). The events ports stay open until the endpoints close them:
   * the load client may still report from its tail at the destination. */
  private finish(l: Live): void {
    l.record.finished = true
    if (l.timer) clearTimeout(l.timer)
    l.timer = null
    this.live.delete(l.record.id)
    this.emit(l, true)
  }

  private emit(l: Live, now: boolean): void {
    const t = performance.now()
    if (!now && t - l.lastEmit < EMIT_INTERVAL_MS) {
      l.timer ??= setTimeout(() => {
        l.timer = null
        this.emit(l, true)
      }, EMIT_INTERVAL_MS - (t - l.lastEmit))
      return
    }
    if (l.timer) clearTimeout(l.timer)
    l.timer = null
    l.lastEmit = t
    this.s.emit('migration.progress', structuredClone(l.record))
  }
}

const managers = new WeakMap<WorkbenchService, MigrationManager>()

/** The service's migration manager (created on first use). */
export function migrationsOf(s: WorkbenchService): MigrationManager {
  let m = managers.get(s)
  if (!m) managers.set(s, (m = new MigrationManager(s)))
  return m
}
