// The isolation lab (issue 8): one experiment at a time, in its own worker thread (bundle: out/main/
// isolation-worker.js beside the host worker; source mode: the TypeScript worker through tsx), progress events
// after every trial, cancel by terminating the thread.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import type { isolationCommands, IsolationReportDto, IsolationTrialDto } from '../../../shared/contract'
import { WorkbenchError } from '../../../shared/errors'
import type { IsolationParams } from '../../engine/labs/isolation/experiment'
import type { IsolationWorkerMessage, PublicReport } from '../../engine/labs/isolation/worker'
import type { WorkbenchService } from '../workbench-service'
import type { Handlers } from './types'

const TSX_BOOTSTRAP = `
const { workerData } = require('node:worker_threads')
require(workerData.tsxCjs).register()
require(workerData.entryFile)
`

function startWorker(s: WorkbenchService, data: { params: IsolationParams; elf: Uint8Array }): Worker {
  const host = s.opts.hostWorker
  if (host.kind === 'bundle') return new Worker(join(dirname(host.file), 'isolation-worker.js'), { workerData: data })
  const entryFile = resolve(dirname(host.file), '../labs/isolation/worker.ts')
  const tsxCjs = createRequire(entryFile).resolve('tsx/cjs/api')
  return new Worker(TSX_BOOTSTRAP, { eval: true, workerData: { ...data, entryFile, tsxCjs } })
}

const running = new Map<string, { worker: Worker; cancel: () => void }>()

function trialDto(t: PublicReport['trials'][number]): IsolationTrialDto {
  return {
    config: t.config,
    trial: t.trial,
    kernelFlawed: t.kernelFlawed,
    vmmFlawed: t.vmmFlawed,
    attackSeed: t.attackSeed,
    escaped: t.escaped,
    line: t.line,
    tries: t.attacker.tries,
    via: t.attacker.via,
    virtualNs: t.virtualNs,
    instructions: t.instructions,
    exitReasons: t.exitReasons,
    secretAt: t.secretAt,
    firstCrossing: t.firstCrossing,
    firstIntoTenant: t.firstIntoTenant,
    secretReads: t.secretReads,
    crossings: t.crossings,
    deviceVisits: t.deviceVisits,
    hostRegions: t.hostRegions
  }
}

export const isolationHandlers: Handlers<keyof typeof isolationCommands> = {
  'isolation.run': async (req, s) => {
    if (running.size > 0) throw new WorkbenchError('ISOLATION_BUSY', {})
    let elf: Uint8Array
    try {
      elf = new Uint8Array(readFileSync(join(s.opts.guestDir, 'kernel.elf')))
    } catch {
      throw new WorkbenchError('ISOLATION_IMAGE_MISSING', { image: 'kernel.elf' })
    }
    const { runId, ...p } = req
    const params: IsolationParams = { ...p, memoryMiB: 1 }
    const t0 = performance.now()
    return new Promise<IsolationReportDto>((res, rej) => {
      const worker = startWorker(s, { params, elf })
      let settled = false
      const finish = (f: () => void): void => {
        if (settled) return
        settled = true
        running.delete(runId)
        f()
      }
      running.set(runId, {
        worker,
        cancel: () => {
          finish(() => rej(new WorkbenchError('ISOLATION_CANCELLED', { done: 0 })))
          void worker.terminate()
        }
      })
      worker.on('message', (m: IsolationWorkerMessage) => {
        if (m.type === 'progress') {
          s.emit('isolation.progress', { runId, done: m.done, total: m.total, config: m.config as IsolationTrialDto['config'], trial: m.trial, escaped: m.escaped })
        } else if (m.type === 'done') {
          const report: IsolationReportDto = {
            runId,
            params: p,
            summaries: m.report.summaries,
            trials: m.report.trials.map(trialDto),
            csv: m.csv,
            json: m.json,
            wallMs: Math.round(performance.now() - t0)
          }
          finish(() => res(report))
          void worker.terminate()
        } else {
          finish(() => rej(new WorkbenchError(m.code, m.params)))
          void worker.terminate()
        }
      })
      worker.on('error', (e) => finish(() => rej(new WorkbenchError('ISOLATION_GUEST_FAILED', { vm: 'worker', halt: e.message }))))
      worker.on('exit', () => finish(() => rej(new WorkbenchError('ISOLATION_CANCELLED', {}))))
    })
  },
  'isolation.cancel': (req) => {
    const r = running.get(req.runId)
    if (!r) return { cancelled: false }
    r.cancel()
    return { cancelled: true }
  }
}
