// bench/migration: migrate a 256 MiB guest running the memory dirtier over a 1 Gbit/s link (source and
// destination endpoints joined by a MessageChannel). Prints virtual total time and downtime, wall-clock time,
// and the wall-clock overhead against the peer: the same guest run for the same virtual time without migrating
// (target ≤ 25%).
//   npx tsx bench/migration.ts [--guest engine|synthetic] [--pages W] [--rate R] [--no-verify]
// --no-verify skips the RAM hash at both ends (one extra read of all guest RAM per side; on a sandbox where the
// first touch of a page costs tens of µs this dominates the overhead).
// "engine" boots resources/guest/kernel.elf with `workload=dirty dirty.pages=W dirty.rate=R` on the real VMM
// (needs vmm createVm); "synthetic" uses the test dirtier (tests/unit/migration/dirtier-vm.ts), whose guest
// costs almost nothing to run, so its overhead figure only measures the migration machinery itself.
import { MessageChannel } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import {
  channelFromPort,
  GIGABIT_PER_SECOND,
  MigrationDestination,
  MigrationSource,
  type IncomingVm,
  type MigrationParams
} from '../src/main/engine/migration'
import type { MigratableVm } from '../src/main/engine/vmm/vm-state'
import { DirtierVm } from '../tests/unit/migration/dirtier-vm'
import { engineGuestFactory } from './migration-guest'

const args = process.argv.slice(2)
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt
}
const MEMORY_MIB = 256
const workingSet = Number(arg('pages', '16384'))
const rate = Number(arg('rate', '20000'))
const guestKind = arg('guest', 'auto')
const verifyRam = !args.includes('--no-verify')

type Factory = { name: string; make: (empty: boolean) => MigratableVm & Partial<IncomingVm>; warm: number }

async function pickGuest(): Promise<Factory> {
  if (guestKind !== 'synthetic') {
    const engine = engineGuestFactory(MEMORY_MIB, `selftest=0 workload=dirty dirty.pages=${workingSet} dirty.rate=${rate} mem=${MEMORY_MIB}M`)
    if (engine) return { name: 'engine (kernel.elf, workload=dirty)', make: engine, warm: 1_500_000_000 }
    if (guestKind === 'engine') throw new Error('the VMM (createVm in src/main/engine/vmm) is not available yet')
  }
  const pages = (MEMORY_MIB * 1024 * 1024) / 4096
  return {
    name: 'synthetic dirtier',
    make: (empty) => new DirtierVm({ pages, workingSet, rate, firstPage: 1024, empty }),
    warm: 50_000_000
  }
}

async function main(): Promise<void> {
  const guest = await pickGuest()
  const params: Partial<MigrationParams> = { 'max-bandwidth': GIGABIT_PER_SECOND }

  const src = guest.make(false)
  src.runFor(guest.warm)
  const startCycles = src.virtualCycles
  const { port1, port2 } = new MessageChannel()
  const dest = new MigrationDestination({
    channel: channelFromPort(port2),
    offer: { hostId: 'host-b', freeMemoryBytes: 2 ** 31, capabilities: [] },
    createVm: () => guest.make(true)
  })
  const source = new MigrationSource({
    vm: src,
    channel: channelFromPort(port1),
    hostId: 'host-a',
    descriptor: { name: 'bench', memoryBytes: src.ram.length, requires: [], devices: [] },
    params,
    verifyRam
  })
  const t0 = performance.now()
  const [outcome, incoming] = await Promise.all([source.start(), dest.done])
  const wallMigrate = (performance.now() - t0) / 1000
  port1.close()
  port2.close()
  if (outcome.status !== 'completed' || incoming.status !== 'resumed') throw new Error(`migration ${outcome.status}: ${JSON.stringify(outcome.info.error)}`)
  const info = outcome.info
  const virtualSeconds = info['total-time'] / 1000

  // the peer: the same guest, same warm-up, run for the same virtual time without migrating
  const peer = guest.make(false)
  peer.runFor(guest.warm)
  const t1 = performance.now()
  const target = peer.virtualCycles + Math.round(virtualSeconds * 1e9)
  while (peer.virtualCycles < target) {
    const before = peer.virtualCycles
    peer.runFor(Math.min(10_000_000, target - peer.virtualCycles))
    if (peer.virtualCycles === before) break
  }
  const wallPeer = (performance.now() - t1) / 1000

  console.log(`guest: ${guest.name}, ${MEMORY_MIB} MiB, working set ${workingSet} pages, ${rate} pages/s, link 1 Gbit/s, RAM verification ${verifyRam ? 'on' : 'off'}`)
  console.log(`migration_rounds: ${info.rounds.length} rounds`)
  console.log(`migration_switchover: ${info['switchover-reason']}`)
  console.log(`migration_virtual_total_time: ${info['total-time'].toFixed(1)} ms`)
  console.log(`migration_virtual_downtime: ${(info.downtime ?? 0).toFixed(2)} ms`)
  console.log(`migration_transferred: ${(info.transferred / 2 ** 20).toFixed(1)} MiB`)
  console.log(`migration_guest_cycles_during: ${src.virtualCycles - startCycles} cycles`)
  console.log(`migration_wall_time: ${wallMigrate.toFixed(3)} s`)
  console.log(`peer_run_same_virtual_time_wall: ${wallPeer.toFixed(3)} s`)
  console.log(`migration_wall_overhead: ${(((wallMigrate - wallPeer) / Math.max(wallPeer, 1e-9)) * 100).toFixed(1)} %`)
  console.log(`ratio_migration_vs_peer: ${(wallMigrate / Math.max(wallPeer, 1e-9)).toFixed(3)} x`)
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
