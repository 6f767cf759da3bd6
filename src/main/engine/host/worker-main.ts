// The body of a host worker thread: one per simulated host. Runs the host's VMs (HostRuntime) between messages:
// a round of time slices, then a turn of the event loop so calls from the service are answered promptly;
// batches go out every 1/batchHz seconds. The wall clock here only paces the simulation and the batches; the
// engine itself never sees it.
import { parentPort, workerData } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import { toErrorPayload } from '../../../shared/errors'
import { hostMethods } from './methods'
import type { HostCall, HostMessage, HostWorkerData } from './protocol'
import { HostRuntime } from './runtime'
import type { VmFactory } from './runtime'

export function runHostWorker(factory: VmFactory): void {
  const port = parentPort
  if (!port) throw new Error('host-worker must run in a worker thread')
  const data = workerData as HostWorkerData
  const runtime = new HostRuntime({ factory, now: () => performance.now(), paceIdle: data.paceIdle ?? true })
  const batchMs = 1000 / Math.min(20, Math.max(2, data.batchHz))
  const post = (m: HostMessage): void => {
    if (m.type === 'batch') port.postMessage(m, m.serial.map((s) => s.bytes.buffer as ArrayBuffer))
    else port.postMessage(m)
  }

  let lastBatch = performance.now()
  let timer: NodeJS.Immediate | null = null
  let idleTimer: NodeJS.Timeout | null = null
  let closing = false

  const loop = (): void => {
    timer = null
    idleTimer = null
    if (closing) return
    runtime.runRound()
    const now = performance.now()
    if (now - lastBatch >= batchMs) {
      lastBatch = now
      const batch = runtime.collectBatch()
      if (batch) post(batch)
    }
    schedule()
  }
  const schedule = (): void => {
    if (timer !== null || idleTimer !== null || closing) return
    // busy: yield one event-loop turn; idle: wake up for the next batch only
    if (runtime.hasRunnable()) timer = setImmediate(loop)
    else idleTimer = setTimeout(loop, Math.max(1, batchMs - (performance.now() - lastBatch)))
  }

  port.on('message', (msg: HostCall | { type: 'close' }) => {
    if (msg.type === 'close') {
      closing = true
      const batch = runtime.collectBatch()
      if (batch) post(batch)
      port.close()
      return
    }
    void handle(msg)
  })

  const handle = async (call: HostCall): Promise<void> => {
    try {
      const impl = hostMethods[call.method] as (rt: HostRuntime, args: unknown) => unknown
      if (!impl) throw Object.assign(new Error('unknown host method'), { code: 'COMMAND_UNKNOWN', params: { command: call.method } })
      const value = await impl(runtime, call.args)
      post({ type: 'reply', id: call.id, ok: true, value })
    } catch (err) {
      post({ type: 'reply', id: call.id, ok: false, error: toErrorPayload(err) })
    }
    if (idleTimer !== null && runtime.hasRunnable()) {
      // a VM became runnable: switch from the idle timer to the busy loop
      clearTimeout(idleTimer)
      idleTimer = null
    }
    schedule()
  }

  post({ type: 'ready' })
  schedule()
}
