// bench/migration: migrate a 256 MiB guest running the memory dirtier over a 1 Gbit/s link (source and
// destination endpoints joined by a MessageChannel, both in this thread, so the destination's work counts in
// full). Prints virtual total time and downtime, wall-clock time with a breakdown, and the wall-clock overhead
// against the peer: the same guest, booted and warmed the same way, run for the same virtual time without
// migrating (target ≤ 25%).
//   npx tsx bench/migration.ts [--guest engine|synthetic] [--pages W] [--rate R] [--verify written|full|off]
//                              [--only busy|sleeping] [--repeat N] [--profile DIR] [--destination same|worker]
// Two dirtiers, same working set and dirty rate:
//   busy (the primary figure): `dirty.spin=1`, the dirtier polls the clock between writes, so the vCPU is
//     always busy, as in QEMU's migration-test guest; the peer then costs what simulating this guest costs.
//   sleeping: the dirtier sleeps until its next write; an idle vCPU costs the simulator almost nothing, so
//     any migration work looks expensive next to it. Printed as is, labelled.
// --verify: how RAM is checked at the switchover (state-hash.ts RamCheck); default 'off': verification is a test
// aid, so its cost is measured apart on the same RAM after each run ('written' at both ends, and 'full': SHA-256
// of all 256 MiB at both ends, first run) and printed. The bench itself checks after every run that the
// destination's RAM equals the source's (the 'written' digests, and the full SHA-256 in the first run).
// --repeat N (default 3): each scenario (fresh VMs, migration, peer) runs N times; medians are printed, and every
// run's overhead. Other processes share this machine's two cores, so single runs swing a lot; the CPU time of this
// process for both sides is printed too.
// --destination worker runs the destination endpoint in its own worker thread, as the app does (each host is a
// worker): its work then overlaps the source's when a core is free. Default: same thread (all work counted).
// --profile DIR writes a V8 CPU profile of each migration window alone (DIR/<label>.cpuprofile; open it in Chrome
// DevTools or summarise its self times).
// --guest synthetic uses the test dirtier (tests/unit/migration/dirtier-vm.ts): no kernel, nearly free to run,
// so its figures measure the migration machinery alone.
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import type { DestinationWorkerData, DestinationWorkerDone, DestinationWorkerReport } from './migration-destination-worker'
import { performance } from 'node:perf_hooks'
import {
  channelFromPort,
  GIGABIT_PER_SECOND,
  MigrationDestination,
  MigrationSource,
  type IncomingVm,
  type MigrationChannel,
  type MigrationInfo,
  type MigrationParams
} from '../src/main/engine/migration'
import { ramHash, writtenRamHash, type RamCheck } from '../src/main/engine/migration/state-hash'
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
const guestKind = arg('guest', 'engine')
const verify = arg('verify', 'off') as RamCheck
const only = arg('only', '')
const profileDir = arg('profile', '')
const repeat = Math.max(1, Number(arg('repeat', '3')))
const destinationThread = arg('destination', 'same')
if (!['same', 'worker'].includes(destinationThread)) throw new Error(`--destination ${destinationThread}: same or worker`)
if (!['full', 'written', 'off'].includes(verify)) throw new Error(`--verify ${verify}: full, written or off`)

type Vm = MigratableVm & Partial<IncomingVm>
type Guest = { name: string; make: (empty: boolean) => Vm; warm: number; spec: DestinationWorkerData['guest'] }

function guestFor(busy: boolean): Guest {
  if (guestKind === 'engine') {
    const cmdline = `selftest=0 workload=dirty dirty.pages=${workingSet} dirty.rate=${rate}${busy ? ' dirty.spin=1' : ''} mem=${MEMORY_MIB}M`
    const engine = engineGuestFactory(MEMORY_MIB, cmdline)
    if (!engine) throw new Error('resources/guest/kernel.elf is missing: run npm run guest')
    return { name: `kernel.elf ${cmdline}`, make: engine, warm: 1_500_000_000, spec: { kind: 'engine', memoryMiB: MEMORY_MIB, cmdline } }
  }
  if (busy) throw new Error('the synthetic dirtier has no busy variant: use --only sleeping')
  const pages = (MEMORY_MIB * 1024 * 1024) / 4096
  const cfg = { pages, workingSet, rate, firstPage: 1024 }
  return { name: 'synthetic dirtier', make: (empty) => new DirtierVm({ ...cfg, empty }), warm: 50_000_000, spec: { kind: 'synthetic', cfg } }
}

/** Wall-clock milliseconds spent in each part of the migration, measured by wrapping what the engine calls. */
interface Clock {
  guest: number
  send: number
  receive: number
}

const since = (t0: number): number => performance.now() - t0

/** The source VM as the migration sees it, with its guest runs timed. */
function timedVm(vm: Vm, clock: Clock): MigratableVm {
  return {
    get ram() {
      return vm.ram
    },
    dirtyLog: vm.dirtyLog,
    get virtualCycles() {
      return vm.virtualCycles
    },
    runFor(cycles: number) {
      const t0 = performance.now()
      vm.runFor(cycles)
      clock.guest += since(t0)
    },
    saveState: () => vm.saveState(),
    loadState: (s) => vm.loadState(s),
    writtenPages: vm.writtenPages ? () => vm.writtenPages?.() ?? null : undefined
  }
}

/** A channel whose sends, and the handling of each received frame, are timed. */
function timedChannel(ch: MigrationChannel, clock: Clock, recv: boolean): MigrationChannel {
  return {
    send(frame) {
      const t0 = performance.now()
      ch.send(frame)
      if (!recv) clock.send += since(t0)
    },
    onFrame(handler) {
      ch.onFrame((frame) => {
        const t0 = performance.now()
        handler(frame)
        if (recv) clock.receive += since(t0)
      })
    },
    onClose: (h) => ch.onClose(h),
    close: () => ch.close(),
    get closed() {
      return ch.closed
    }
  }
}

interface Result {
  info: MigrationInfo
  guestCycles: number
  wall: number
  cpu: number
  /** Minor page faults (first touches of memory) while migrating / while the peer ran. */
  faults: number
  peerWall: number
  peerCpu: number
  peerFaults: number
  peerCycles: number
  clock: Clock
  verifyWritten: number
  /** NaN when not measured (only the first run measures it: it reads all 2 × 256 MiB). */
  verifyFull: number
}

/** CPU seconds (user + system, all threads) this process used since `from`. */
const cpuSince = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1e6
}

/** A CPU profile of `run` alone when --profile is given. */
async function profiled<T>(label: string, run: () => Promise<T>): Promise<T> {
  if (!profileDir) return run()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  try {
    return await run()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    mkdirSync(profileDir, { recursive: true })
    writeFileSync(join(profileDir, `${label}.cpuprofile`), JSON.stringify(profile))
    session.disconnect()
  }
}

/** The destination in the same thread: its RAM stays reachable for the checks after the run. */
interface LocalDestination {
  kind: 'same'
  done: Promise<{ status: string; code: string | null }>
  vm: () => Vm | null
}

/** The destination in a worker thread: it reports its outcome, then its digests. */
interface WorkerDestination {
  kind: 'worker'
  done: Promise<DestinationWorkerDone>
  report: Promise<DestinationWorkerReport>
  worker: Worker
}

async function startDestination(guest: Guest, port: MessagePort, clock: Clock, full: boolean): Promise<LocalDestination | WorkerDestination> {
  if (destinationThread === 'same') {
    let destVm: Vm | null = null
    const dest = new MigrationDestination({
      channel: timedChannel(channelFromPort(port), clock, true),
      offer: { hostId: 'host-b', freeMemoryBytes: 2 ** 31, capabilities: [] },
      createVm: () => (destVm = guest.make(true))
    })
    return { kind: 'same', done: dest.done, vm: () => destVm }
  }
  const data: DestinationWorkerData = { tsEntry: join(__dirname, 'migration-destination-worker.ts'), port, guest: guest.spec, full }
  const worker = new Worker(join(__dirname, '..', 'tests', 'unit', 'migration', 'ts-worker.cjs'), { workerData: data, transferList: [port] })
  const messages: unknown[] = []
  const waiters: ((m: unknown) => void)[] = []
  worker.on('message', (m: unknown) => {
    const w = waiters.shift()
    if (w) w(m)
    else messages.push(m)
  })
  const next = (): Promise<unknown> =>
    messages.length > 0
      ? Promise.resolve(messages.shift())
      : new Promise((resolve, reject) => {
          waiters.push(resolve)
          worker.once('error', reject)
        })
  if ((await next()) !== 'ready') throw new Error('destination worker did not start')
  const done = next().then((m) => m as DestinationWorkerDone)
  const report = done.then(() => next()).then((m) => m as DestinationWorkerReport)
  return { kind: 'worker', done, report, worker }
}

async function scenario(label: string, guest: Guest, measureFull: boolean): Promise<Result> {
  const params: Partial<MigrationParams> = { 'max-bandwidth': GIGABIT_PER_SECOND }
  const src = guest.make(false)
  src.runFor(guest.warm)
  const startCycles = src.virtualCycles
  const clock: Clock = { guest: 0, send: 0, receive: 0 }
  const { port1, port2 } = new MessageChannel()
  const dest = await startDestination(guest, port2, clock, measureFull || verify === 'full')
  const source = new MigrationSource({
    vm: timedVm(src, clock),
    channel: timedChannel(channelFromPort(port1), clock, false),
    hostId: 'host-a',
    descriptor: { name: 'bench', memoryBytes: src.ram.length, requires: [], devices: [] },
    params,
    verifyRam: verify
  })
  const f0 = process.resourceUsage().minorPageFault
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const [outcome, incoming] = await profiled(label, () => Promise.all([source.start(), dest.done]))
  const wall = since(t0) / 1000
  const cpu = cpuSince(c0)
  const faults = process.resourceUsage().minorPageFault - f0
  port1.close()
  port2.close()
  if (outcome.status !== 'completed' || incoming.status !== 'resumed') {
    throw new Error(`migration ${outcome.status}/${incoming.status}: ${JSON.stringify(outcome.info.error)} ${incoming.code ?? ''}`)
  }
  const info = outcome.info

  // the peer: the same guest, same boot and warm-up, run for the same virtual time without migrating
  const peer = guest.make(false)
  peer.runFor(guest.warm)
  const peerStart = peer.virtualCycles
  const target = peerStart + Math.round(info['total-time'] * 1e6)
  const f1 = process.resourceUsage().minorPageFault
  const c1 = process.cpuUsage()
  const t1 = performance.now()
  while (peer.virtualCycles < target) {
    const before = peer.virtualCycles
    peer.runFor(Math.min(10_000_000, target - peer.virtualCycles))
    if (peer.virtualCycles === before) break
  }
  const peerWall = since(t1) / 1000
  const peerCpu = cpuSince(c1)
  const peerFaults = process.resourceUsage().minorPageFault - f1

  // what verification costs, measured again on the same RAM after the run: 'written' digests at both ends, then
  // 'full' SHA-256 at both ends (reads every page: the source's never-written ones for the first time)
  // at the destination: in this thread now, or what the worker measured after the run
  const arrived = dest.kind === 'same' ? dest.vm() : null
  const there = dest.kind === 'worker' ? await dest.report : null
  if (dest.kind === 'worker') {
    clock.receive = (await dest.done).receiveMs
    await dest.worker.terminate()
  }
  const destDigest = (full: boolean): { digest: string | null; ms: number } => {
    if (there) return full ? { digest: there.full, ms: there.fullMs } : { digest: there.written, ms: there.writtenMs }
    if (!arrived) throw new Error('no destination VM')
    const t = performance.now()
    const digest = full ? ramHash(arrived.ram) : writtenRamHash(arrived.ram, arrived.writtenPages?.() ?? null)
    return { digest, ms: since(t) }
  }
  let t2 = performance.now()
  const a = writtenRamHash(src.ram, src.writtenPages?.() ?? null)
  let srcMs = since(t2)
  let b = destDigest(false)
  const verifyWritten = (srcMs + b.ms) / 1000
  if (a !== b.digest) throw new Error('RAM differs between source and destination')
  let verifyFull = NaN
  if (measureFull || verify === 'full') {
    t2 = performance.now()
    const fa = ramHash(src.ram)
    srcMs = since(t2)
    b = destDigest(true)
    verifyFull = (srcMs + b.ms) / 1000
    if (fa !== b.digest) throw new Error('RAM differs between source and destination')
  }
  const guestCycles = src.virtualCycles - startCycles
  return { info, guestCycles, wall, cpu, faults, peerWall, peerCpu, peerFaults, peerCycles: peer.virtualCycles - peerStart, clock, verifyWritten, verifyFull }
}

const median = (xs: number[]): number => {
  const v = xs.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y)
  if (v.length === 0) return NaN
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
}

/** The median of every measured number over the runs (virtual figures are the same in every run). */
function medianResult(runs: Result[]): Result {
  const m = (f: (r: Result) => number): number => median(runs.map(f))
  return {
    info: runs[0].info,
    guestCycles: runs[0].guestCycles,
    peerCycles: runs[0].peerCycles,
    wall: m((r) => r.wall),
    cpu: m((r) => r.cpu),
    faults: m((r) => r.faults),
    peerWall: m((r) => r.peerWall),
    peerCpu: m((r) => r.peerCpu),
    peerFaults: m((r) => r.peerFaults),
    clock: { guest: m((r) => r.clock.guest), send: m((r) => r.clock.send), receive: m((r) => r.clock.receive) },
    verifyWritten: m((r) => r.verifyWritten),
    verifyFull: m((r) => r.verifyFull)
  }
}

const overhead = (a: number, b: number): string => `${(((a - b) / Math.max(b, 1e-9)) * 100).toFixed(1)} %`

function report(label: string, runs: Result[]): void {
  const r = medianResult(runs)
  const info = r.info
  const ms = (x: number): string => `${x.toFixed(0)} ms`
  const p = (name: string, value: string): void => console.log(`${label}_${name}: ${value}`)
  p('rounds', `${info.rounds.length} rounds (${info.rounds.map((x) => x.pagesSent).join(', ')} pages)`)
  p('switchover', info['switchover-reason'] ?? '')
  p('virtual_total_time', `${info['total-time'].toFixed(1)} ms`)
  p('virtual_downtime', `${(info.downtime ?? 0).toFixed(2)} ms`)
  p('transferred', `${(info.transferred / 2 ** 20).toFixed(1)} MiB (${info.normal} normal, ${info.duplicate} zero pages)`)
  p('guest_cycles_migrating', `${r.guestCycles} cycles (the guest is paused during the downtime)`)
  p('guest_cycles_peer', `${r.peerCycles} cycles`)
  p('runs', `${runs.length} (medians below)`)
  p('wall_time', `${r.wall.toFixed(3)} s`)
  const c = r.clock
  p('wall_guest_run', ms(c.guest))
  p('wall_send_postmessage', ms(c.send))
  const inWorker = destinationThread === 'worker'
  p('wall_receive_apply', `${ms(c.receive)} (destination: decode, write pages into fresh RAM, hand frames back${inWorker ? '; in its worker, alongside the source' : ''})`)
  p('wall_verify', `${ms(verify === 'off' ? 0 : verify === 'written' ? r.verifyWritten * 1000 : r.verifyFull * 1000)} (${verify}, both ends, measured again after the run)`)
  const rest = r.wall * 1000 - c.guest - c.send - (inWorker ? 0 : c.receive) - (verify === 'written' ? r.verifyWritten * 1000 : verify === 'full' ? r.verifyFull * 1000 : 0)
  p('wall_scan_encode_other', `${ms(rest)} (source scan + encode, building the destination VM, state save/load, event loop: by difference)`)
  p('machinery_wall', `${ms(r.wall * 1000 - c.guest)} (wall minus the guest's own run)`)
  p('machinery_vs_peer', `${((r.wall * 1000 - c.guest) / (r.peerWall * 10)).toFixed(1)} % (the machinery's cost against the peer, as if the guest also ran through the downtime)`)
  p('verify_written_both_ends', `${(r.verifyWritten * 1000).toFixed(0)} ms`)
  p('verify_full_both_ends', `${(r.verifyFull * 1000).toFixed(0)} ms (SHA-256 of all RAM, first run; not in the figure unless --verify full)`)
  p('peer_same_virtual_time_wall', `${r.peerWall.toFixed(3)} s`)
  p('cpu_time', `${r.cpu.toFixed(3)} s migrating vs ${r.peerCpu.toFixed(3)} s peer (this process, all threads) → ${overhead(r.cpu, r.peerCpu)}`)
  p('cpu_overhead_each_run', runs.map((x) => overhead(x.cpu, x.peerCpu)).join(', '))
  p('page_faults', `${r.faults} migrating vs ${r.peerFaults} peer (first touches of memory; tens of µs each on this host)`)
  p('wall_overhead_each_run', runs.map((x) => overhead(x.wall, x.peerWall)).join(', '))
  p('wall_overhead', `${overhead(r.wall, r.peerWall)} (median wall against median peer; target <= 25 %)`)
  const perRun = median(runs.map((x) => (x.wall - x.peerWall) / Math.max(x.peerWall, 1e-9)))
  p('wall_overhead_median_of_runs', `${(perRun * 100).toFixed(1)} % (each run's migration against its own peer, measured right after it)`)
  p('ratio_migration_vs_peer', `${(r.wall / Math.max(r.peerWall, 1e-9)).toFixed(3)} x`)
}

async function main(): Promise<void> {
  console.log(
    `migration of a ${MEMORY_MIB} MiB guest, working set ${workingSet} pages, ${rate} pages/s, link 1 Gbit/s, RAM verification ${verify}, destination in ${destinationThread === 'same' ? 'this thread' : 'a worker thread'}`
  )
  const runs: [string, boolean][] = guestKind === 'engine' ? [['busy', true], ['sleeping', false]] : [['sleeping', false]]
  for (const [label, busy] of runs) {
    if (only && only !== label) continue
    const guest = guestFor(busy)
    console.log(`${label}: ${guest.name}${busy ? '  (primary figure: the vCPU is busy all the time)' : '  (idle between writes: the peer costs almost nothing)'}`)
    const runs: Result[] = []
    for (let i = 0; i < repeat; i++) runs.push(await scenario(label, guest, i === 0))
    report(label, runs)
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
