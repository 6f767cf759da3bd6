// How to start a host worker thread. Two ways, chosen by whoever builds the service:
//  - bundle: the built out/main/host-worker.js (the Electron app and `npm run lab`);
//  - source: src/main/engine/host/host-worker.ts loaded through tsx's CommonJS hook (vitest, tsx scripts), so
//    tests exercise the real worker thread without a build step.
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { HostWorkerData } from '../engine/host/protocol'

export type HostWorkerEntry = { kind: 'bundle'; file: string } | { kind: 'source'; file: string; factoryModule?: string }

/** The TypeScript entry, for source mode (paths relative to the repository root). */
export function sourceWorkerEntry(repoRoot: string, factoryModule?: string): HostWorkerEntry {
  return { kind: 'source', file: resolve(repoRoot, 'src/main/engine/host/host-worker.ts'), factoryModule }
}

// tsx's CommonJS hook compiles the worker and everything it requires. With a factory module (tests: synthetic
// VMs), the worker body runs with that module's createVm instead of the VMM's.
const TSX_BOOTSTRAP = `
const { workerData } = require('node:worker_threads')
require(workerData.tsxCjs).register()
if (workerData.factoryModule) {
  require(workerData.workerMain).runHostWorker(require(workerData.factoryModule).createVm)
} else {
  require(workerData.entryFile)
}
`

export function startHostWorker(entry: HostWorkerEntry, data: HostWorkerData): Worker {
  if (entry.kind === 'bundle') return new Worker(entry.file, { workerData: data })
  const req = createRequire(entry.file)
  const workerData = {
    ...data,
    entryFile: entry.file,
    factoryModule: entry.factoryModule,
    workerMain: resolve(dirname(entry.file), 'worker-main.ts'),
    tsxCjs: req.resolve('tsx/cjs/api')
  }
  return new Worker(TSX_BOOTSTRAP, { eval: true, workerData })
}
