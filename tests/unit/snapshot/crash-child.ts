// Child process for the fault-injection test: runs a seeded workload of snapshot operations (take, live take,
// revert, delete, clone, VM delete) on a store, through a DurableIo that kills the process (SIGKILL) at its
// N-th disk-changing call, after writing a seeded prefix of the buffer when that call is a write (a torn write).
// Usage: node crash-child.cjs STORE_DIR WORKLOAD_SEED KILL_AT   (KILL_AT 0 = never; prints the op count)
import * as path from 'node:path'
import { exportVmArchive, importVmArchive } from '../../../src/main/engine/snapshot/archive'
import { nodeIo, type DurableIo } from '../../../src/main/engine/snapshot/durable-io'
import { openSnapshotStore } from '../../../src/main/engine/snapshot/store'
import { CRASH_VM, makeCrashVm } from './crash-vm'

const [dir, seedArg, killArg] = process.argv.slice(2)
let rng = Number(seedArg) * 2654435761 || 1
const rand = (n: number): number => {
  rng ^= rng << 13
  rng >>>= 0
  rng ^= rng >>> 17
  rng ^= rng << 5
  rng >>>= 0
  return rng % n
}
const killAt = Number(killArg)
let ops = 0
const tick = (): boolean => ++ops === killAt
const die = (): never => {
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable')
}
const io: DurableIo = {
  openSync: (f, fl) => (tick() ? die() : nodeIo.openSync(f, fl)),
  writeSync: (fd, data, off, len, pos) => {
    if (tick()) {
      const part = rand(len + 1)
      if (part > 0) nodeIo.writeSync(fd, data, off, part, pos)
      die()
    }
    return nodeIo.writeSync(fd, data, off, len, pos)
  },
  // a killed process loses nothing that reached the page cache, so fsync is a kill point but not worth its time
  // here (it matters for power loss, which this test cannot simulate)
  fsyncSync: () => (tick() ? die() : undefined),
  closeSync: (fd) => (tick() ? die() : nodeIo.closeSync(fd)),
  renameSync: (a, b) => (tick() ? die() : nodeIo.renameSync(a, b)),
  unlinkSync: (f) => (tick() ? die() : nodeIo.unlinkSync(f)),
  mkdirSync: (d) => (tick() ? die() : nodeIo.mkdirSync(d)),
  rmSync: (t) => (tick() ? die() : nodeIo.rmSync(t))
}

let clock = 1_700_000_000_000
const store = openSnapshotStore(dir, { clock: () => (clock += 1000), io })
store.ensureVm('vm1', 'crash lab', { name: 'crash lab' })
const vm = makeCrashVm()
const cur = store.currentSnapshot('vm1')
if (cur !== null) store.revert('vm1', cur, vm)
async function workload(): Promise<void> {
  for (let step = 0; step < 14; step++) {
    vm.runFor(CRASH_VM.cyclesPerWrite * (1 + rand(12)))
    const snaps = store.listSnapshots('vm1')
    const r = rand(13)
    if (r < 4 || snaps.length === 0) store.take('vm1', vm, { description: `step ${step}` })
    else if (r < 6) store.takeLive('vm1', vm, { chunkPages: 16, cyclesPerChunk: 2 * CRASH_VM.cyclesPerWrite, pausePages: 2, maxRounds: 3 })
    else if (r < 8) store.revert('vm1', snaps[rand(snaps.length)].id, vm)
    else if (r < 10 && snaps.length > 2) store.deleteSnapshot('vm1', snaps[rand(snaps.length)].id)
    else if (r === 10) {
      // archive round trip: export (outside the store) and import as a new VM
      const archive = path.join(dir, '..', `archive-${seedArg}-${step}.tar.gz`)
      await exportVmArchive(store, 'vm1', archive)
      await importVmArchive(store, archive, { onConflict: 'rename' })
    } else {
      const others = store.listVms().filter((v) => v.vmId !== 'vm1')
      if (others.length > 1) store.deleteVm(others[rand(others.length)].vmId)
      else store.clone('vm1', snaps[rand(snaps.length)].id, `clone-${seedArg}-${step}`, `clone ${step}`)
    }
  }
}

void workload().then(() => process.stdout.write(`ops ${ops}\n`))
