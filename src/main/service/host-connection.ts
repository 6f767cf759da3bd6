// The service's handle on one host worker thread: typed calls with replies, batches pushed back, and a clean
// report when the thread dies (every pending call fails with HOST_WORKER_FAILED).
import type { TransferListItem, Worker } from 'node:worker_threads'
import { WorkbenchError } from '../../shared/errors'
import type { HostBatch, HostMessage, HostMethodName, HostMethods } from '../engine/host/protocol'
import { startHostWorker } from './host-worker-entry'
import type { HostWorkerEntry } from './host-worker-entry'

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: Error) => void
}

export class HostConnection {
  private readonly worker: Worker
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private alive = true
  private readonly ready: Promise<void>
  private readonly failReady: (e: Error) => void

  constructor(
    readonly hostId: string,
    entry: HostWorkerEntry,
    batchHz: number,
    private readonly onBatch: (batch: HostBatch) => void,
    private readonly onExit: (detail: string) => void
  ) {
    this.worker = startHostWorker(entry, { hostId, batchHz })
    let markReady: () => void = () => {}
    let markFailed: (e: Error) => void = () => {}
    this.ready = new Promise<void>((res, rej) => {
      markReady = res
      markFailed = rej
    })
    this.ready.catch(() => {})
    this.failReady = markFailed
    this.worker.on('message', (m: HostMessage) => {
      if (m.type === 'ready') markReady()
      else if (m.type === 'batch') this.onBatch(m)
      else {
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.ok) p.resolve(m.value)
        else p.reject(new WorkbenchError(m.error.code, m.error.params))
      }
    })
    this.worker.on('error', (err) => this.fail(err.message))
    this.worker.on('exit', (code) => this.fail(`exit ${code}`))
  }

  get online(): boolean {
    return this.alive
  }

  async call<M extends HostMethodName>(method: M, args: HostMethods[M]['args'], transfer: TransferListItem[] = []): Promise<HostMethods[M]['result']> {
    if (!this.alive) throw new WorkbenchError('HOST_WORKER_FAILED', { host: this.hostId, detail: 'offline' })
    await this.ready
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.worker.postMessage({ type: 'call', id, method, args }, transfer)
    })
  }

  /** Asks the worker to flush its last batch and exit; terminates it if it does not within a second. */
  async close(): Promise<void> {
    if (!this.alive) return
    this.alive = false
    const exited = new Promise<void>((res) => this.worker.once('exit', () => res()))
    this.worker.postMessage({ type: 'close' })
    const timer = setTimeout(() => void this.worker.terminate(), 1000)
    await exited
    clearTimeout(timer)
  }

  private fail(detail: string): void {
    const wasAlive = this.alive
    this.alive = false
    this.failReady(new WorkbenchError('HOST_WORKER_FAILED', { host: this.hostId, detail }))
    for (const p of this.pending.values()) p.reject(new WorkbenchError('HOST_WORKER_FAILED', { host: this.hostId, detail }))
    this.pending.clear()
    if (wasAlive) this.onExit(detail)
  }
}
