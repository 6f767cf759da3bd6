// One migration endpoint in its own worker thread (a simulated host): the source or the destination, each with
// its own dirtier VM and its own memory; the only link between them is the MessagePort in workerData.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { createHash } from 'node:crypto'
import { channelFromPort, MigrationDestination, MigrationSource, type MigrationParams } from '../../../src/main/engine/migration'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import { DirtierVm, type DirtierConfig } from './dirtier-vm'

interface Data {
  role: 'source' | 'destination'
  port: MessagePort
  cfg: DirtierConfig
  params: Partial<MigrationParams>
  preRunCycles: number
}

const data = workerData as Data
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

async function main(): Promise<unknown> {
  const channel = channelFromPort(data.port)
  if (data.role === 'source') {
    const vm = new DirtierVm(data.cfg)
    vm.runFor(data.preRunCycles)
    const source = new MigrationSource({
      vm,
      channel,
      hostId: 'host-a',
      descriptor: { name: 'w', memoryBytes: vm.ram.length, requires: [], devices: [] },
      params: data.params
    })
    const outcome = await source.start()
    return { status: outcome.status, info: outcome.info, ram: sha(vm.ram), cycles: vm.virtualCycles, threadRam: vm.ram.buffer.byteLength }
  }
  let vm: DirtierVm | null = null
  const dest = new MigrationDestination({
    channel,
    offer: { hostId: 'host-b', freeMemoryBytes: 1 << 30, capabilities: [] },
    createVm: (d) => (vm = new DirtierVm({ ...data.cfg, pages: d.memoryBytes / PAGE_SIZE, empty: true }))
  })
  const outcome = await dest.done
  const got = vm as DirtierVm | null
  return { status: outcome.status, ram: got ? sha(got.ram) : null, cycles: got ? got.virtualCycles : -1, pages: outcome.pagesReceived }
}

main().then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (e: unknown) => parentPort?.postMessage({ ok: false, error: String(e) })
)
