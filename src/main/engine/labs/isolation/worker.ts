// The isolation experiment in its own worker thread (the service's thread stays free): workerData = { params, elf };
// posts { type: 'progress' } after every trial, then { type: 'done', report, csv, json } or { type: 'error' }.
// Cancel = the service terminates the thread.
import { parentPort, workerData } from 'node:worker_threads'
import { experimentSteps, reportCsv, reportJson, type IsolationParams, type IsolationReport } from './experiment'
import type { TrialResult } from './trial'

/** A report as it leaves the engine: trials without their secrets. */
export type PublicReport = Omit<IsolationReport, 'trials'> & { trials: Omit<TrialResult, 'secret'>[] }

export type IsolationWorkerMessage =
  | { type: 'progress'; done: number; total: number; config: string; trial: number; escaped: boolean }
  | { type: 'done'; report: PublicReport; csv: string; json: string }
  | { type: 'error'; code: string; params: Record<string, string | number> }

function stripSecrets(r: IsolationReport): PublicReport {
  return { ...r, trials: r.trials.map(({ secret: _s, ...t }) => t) }
}

const port = parentPort
if (port) {
  const { params, elf } = workerData as { params: IsolationParams; elf: Uint8Array }
  try {
    const g = experimentSteps(params, elf)
    for (;;) {
      const r = g.next()
      if (r.done) {
        port.postMessage({ type: 'done', report: stripSecrets(r.value), csv: reportCsv(r.value), json: reportJson(r.value) } satisfies IsolationWorkerMessage)
        break
      }
      port.postMessage({ type: 'progress', ...r.value } satisfies IsolationWorkerMessage)
    }
  } catch (e) {
    const err = e as { code?: unknown; params?: unknown; message?: unknown }
    const code = typeof err.code === 'string' ? err.code : 'ISOLATION_GUEST_FAILED'
    const params = typeof err.params === 'object' && err.params !== null ? (err.params as Record<string, string | number>) : { vm: '?', halt: String(err.message) }
    port.postMessage({ type: 'error', code, params } satisfies IsolationWorkerMessage)
  }
}
