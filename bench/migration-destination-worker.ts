// bench/migration --destination worker: the destination endpoint in its own worker thread, as the app runs it
// (each host is a worker). Loaded through tests/unit/migration/ts-worker.cjs. Says 'ready' once loaded, then
// receives the migration on workerData.port and reports its own figures.
import { performance } from 'node:perf_hooks'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { channelFromPort, MigrationDestination, type IncomingVm, type MigrationChannel } from '../src/main/engine/migration'
import { ramHash, writtenRamHash } from '../src/main/engine/migration/state-hash'
import { DirtierVm, type DirtierConfig } from '../tests/unit/migration/dirtier-vm'
import { engineGuestFactory } from './migration-guest'

export interface DestinationWorkerData {
  tsEntry: string
  port: MessagePort
  guest: { kind: 'engine'; memoryMiB: number; cmdline: string } | { kind: 'synthetic'; cfg: DirtierConfig }
  /** Also hash all of RAM after the run (SHA-256). */
  full: boolean
}

/** First message after the run: the outcome, as soon as it is known. */
export interface DestinationWorkerDone {
  status: string
  code: string | null
  /** Wall ms spent handling received frames (decode, page writes, handing buffers back). */
  receiveMs: number
}

/** Second message: the RAM digests, computed after the run. */
export interface DestinationWorkerReport {
  written: string
  full: string | null
  /** Wall ms of the two digests above, here. */
  writtenMs: number
  fullMs: number
}

const data = workerData as DestinationWorkerData

function makeVm(): IncomingVm {
  const g = data.guest
  if (g.kind === 'synthetic') return new DirtierVm({ ...g.cfg, empty: true })
  const make = engineGuestFactory(g.memoryMiB, g.cmdline)
  if (!make) throw new Error('resources/guest/kernel.elf is missing')
  return make(true)
}

async function main(): Promise<void> {
  const inner = channelFromPort(data.port)
  let receiveMs = 0
  const channel: MigrationChannel = {
    send: (f) => inner.send(f),
    onFrame: (h) =>
      inner.onFrame((f) => {
        const t0 = performance.now()
        h(f)
        receiveMs += performance.now() - t0
      }),
    onClose: (h) => inner.onClose(h),
    close: () => inner.close(),
    get closed() {
      return inner.closed
    }
  }
  const dest = new MigrationDestination({
    channel,
    offer: { hostId: 'host-b', freeMemoryBytes: 2 ** 31, capabilities: [] },
    createVm: () => makeVm()
  })
  parentPort?.postMessage('ready')
  const out = await dest.done
  parentPort?.postMessage({ status: out.status, code: out.code, receiveMs } satisfies DestinationWorkerDone)
  const vm = out.vm
  let t = performance.now()
  const written = vm ? writtenRamHash(vm.ram, vm.writtenPages?.() ?? null) : ''
  const writtenMs = performance.now() - t
  t = performance.now()
  const full = vm && data.full ? ramHash(vm.ram) : null
  const fullMs = performance.now() - t
  const report: DestinationWorkerReport = { written, full, writtenMs, fullMs }
  parentPort?.postMessage(report)
}

void main()
