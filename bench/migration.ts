// bench/migration: migrate a 256 MiB guest running the memory dirtier over a 1 Gbit/s link (source and
// destination endpoints joined by a MessageChannel, both in this thread, so the destination's work counts in
// full). Prints virtual total time and downtime, wall-clock time with a breakdown, and the wall-clock overhead
// against the peer: the same guest, booted and warmed the same way, run for the same virtual time without
// migrating (target <= 25%).
//   npx tsx bench/migration.ts [--pairs N] [--warmup N] [--only busy|sleeping] [--verify off|written|full]
//                              [--profile DIR] [--destination same|worker] [--guest engine|synthetic]
//                              [--pages W] [--rate R] [--xbzrle] [--full-cost]
// Two dirtiers, same working set and dirty rate:
//   busy (the primary figure): `dirty.spin=1`, the dirtier polls the clock between writes, so the vCPU is
//     always busy, as in QEMU's migration-test guest; the peer then costs what simulating this guest costs.
//   sleeping: the dirtier sleeps until its next write; an idle vCPU costs the simulator almost nothing, so
//     any migration work looks expensive next to it. Printed as is, labelled.
// How the measurement resists noise (2 cores shared with other work): each scenario runs --pairs N (default 5)
// pairs of (migration, peer), both VMs of a pair booted and warmed before either is timed, measured back to back,
// alternating which one goes first (ABBA), so a load change in the middle of a pair hits both sides alike over the
// series. Every pair is printed; the figure is the median of the pairs' own overheads, with min/max and the
// quartiles. --warmup N (default 1) pairs run first and are printed apart, not counted: the first migration in a
// process runs the migration code and the destination VM's setup cold (as a host worker's first migration would).
// Virtual figures are deterministic: the bench checks every pair's migration gives the warm-up's total time.
// --verify: how RAM is checked at the switchover (state-hash.ts RamCheck); default 'off': verification is a test
// aid, so its cost is measured apart on the same RAM after each run ('written' at both ends, and 'full': SHA-256
// of all 256 MiB at both ends, in the first counted pair with --full-cost: it reads every never-used page, seconds
// here) and printed. The bench itself checks after every run that the destination's RAM equals the source's (the
// 'written' digests, and the full SHA-256 when measured).
// --destination worker runs the destination endpoint in its own worker thread, as the app does (each host is a
// worker): its work then overlaps the source's when a core is free. Default: same thread (all work counted).
// --profile DIR writes V8 CPU profiles of the first counted pair: DIR/<label>-migration.cpuprofile (the migration
// window alone) and DIR/<label>-peer.cpuprofile (open them in Chrome DevTools or summarise their self times).
// --xbzrle: with QEMU's xbzrle capability (re-sent pages as deltas against a cache of sent pages; default off, as
// in QEMU), to measure the cache's cost.
// --guest synthetic uses the test dirtier (tests/unit/migration/dirtier-vm.ts): no kernel, nearly free to run,
// so its figures measure the migration machinery alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { loadavg } from 'node:os'
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
const xbzrle = args.includes('--xbzrle')
const fullCost = args.includes('--full-cost')
const only = arg('only', '')
const profileDir = arg('profile', '')
const pairs = Math.max(1, Number(arg('pairs', arg('repeat', '5'))))
const warmups = Math.max(0, Number(arg('warmup', '1')))
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

/** One side of a pair: what it cost this process. */
interface Cost {
  /** Wall seconds. */
  wall: number
  /** CPU seconds of this process (user + system, all threads). */
  cpu: number
  /** Minor page faults (first touches of memory; tens of µs each on this host). */
  faults: number
  /** Seconds this thread was on a CPU / waited in the run queue for one (Linux schedstat; NaN elsewhere). On-CPU
   * time hardly depends on what else the machine runs; the wait is the share of the wall time other work took. */
  onCpu: number
  waited: number
}

interface Pair {
  info: MigrationInfo
  /** Virtual cycles the guest ran while migrating / the peer ran. */
  guestCycles: number
  peerCycles: number
  migration: Cost
  peer: Cost
  /** Which side was timed first. */
  migrationFirst: boolean
  clock: Clock
  verifyWritten: number
  /** NaN when not measured (--full-cost: the first counted pair; it reads all 2 × 256 MiB). */
  verifyFull: number
  loadAvg: number
}

/** CPU seconds (user + system, all threads) this process used since `from`. */
const cpuSince = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1e6
}

const SCHEDSTAT = '/proc/thread-self/schedstat'
const hasSchedstat = existsSync(SCHEDSTAT)

/** This thread's time on a CPU and waiting for one, in seconds (NaN without schedstat). */
function threadSched(): { onCpu: number; waited: number } {
  if (!hasSchedstat) return { onCpu: NaN, waited: NaN }
  const [run, wait] = readFileSync(SCHEDSTAT, 'utf8').trim().split(/\s+/).map(Number)
  return { onCpu: run / 1e9, waited: wait / 1e9 }
}

/** Times `run` (wall, CPU, page faults, this thread's scheduling). */
async function measured<T>(run: () => Promise<T>): Promise<{ value: T; cost: Cost }> {
  const f0 = process.resourceUsage().minorPageFault
  const c0 = process.cpuUsage()
  const s0 = threadSched()
  const t0 = performance.now()
  const value = await run()
  const wall = since(t0) / 1000
  const s1 = threadSched()
  const cpu = cpuSince(c0)
  const faults = process.resourceUsage().minorPageFault - f0
  return { value, cost: { wall, cpu, faults, onCpu: s1.onCpu - s0.onCpu, waited: s1.waited - s0.waited } }
}

/** A CPU profile of `run` alone when `label` is given (--profile, first counted pair). */
async function profiled<T>(label: string | null, run: () => Promise<T>): Promise<T> {
  if (!label) return run()
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

/** A booted guest run for the warm-up time. */
function warmed(guest: Guest): Vm {
  const vm = guest.make(false)
  vm.runFor(guest.warm)
  return vm
}

/** Run `vm` on for `ns` of virtual time (the peer). */
function runPeer(vm: Vm, ns: number): number {
  const start = vm.virtualCycles
  const target = start + ns
  while (vm.virtualCycles < target) {
    const before = vm.virtualCycles
    vm.runFor(Math.min(10_000_000, target - vm.virtualCycles))
    if (vm.virtualCycles === before) break
  }
  return vm.virtualCycles - start
}

interface Migrated {
  info: MigrationInfo
  cost: Cost
  clock: Clock
  guestCycles: number
  verifyWritten: number
  verifyFull: number
}

/** Migrate `src` to a fresh VM; afterwards check both RAMs equal and time the verification digests apart. */
async function migrate(guest: Guest, src: Vm, measureFull: boolean, profile: string | null): Promise<Migrated> {
  const params: Partial<MigrationParams> = { 'max-bandwidth': GIGABIT_PER_SECOND, xbzrle }
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
  const { value, cost } = await measured(() => profiled(profile, () => Promise.all([source.start(), dest.done])))
  const [outcome, incoming] = value
  port1.close()
  port2.close()
  if (outcome.status !== 'completed' || incoming.status !== 'resumed') {
    throw new Error(`migration ${outcome.status}/${incoming.status}: ${JSON.stringify(outcome.info.error)} ${incoming.code ?? ''}`)
  }

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
  return { info: outcome.info, cost, clock, guestCycles: src.virtualCycles - startCycles, verifyWritten, verifyFull }
}

/** One pair: migration and peer, both guests booted and warmed first, then timed back to back (`migrationFirst`
 * says in which order). `totalNs`: the migration's virtual total time, known from the warm-up pair (deterministic),
 * so the peer can go first; null in the first warm-up pair (the migration then goes first). */
async function pair(label: string, guest: Guest, migrationFirst: boolean, totalNs: number | null, firstCounted: boolean): Promise<Pair> {
  const src = warmed(guest)
  const peerVm = warmed(guest)
  const loadAvg = loadavg()[0]
  const profile = (side: string): string | null => (profileDir && firstCounted ? `${label}-${side}` : null)
  const timePeer = (ns: number): Promise<{ value: number; cost: Cost }> => measured(() => profiled(profile('peer'), async () => runPeer(peerVm, ns)))
  let m: Migrated
  let peer: { value: number; cost: Cost }
  const first = migrationFirst || totalNs === null
  if (first) {
    m = await migrate(guest, src, firstCounted && fullCost, profile('migration'))
    peer = await timePeer(Math.round(m.info['total-time'] * 1e6))
  } else {
    peer = await timePeer(totalNs)
    m = await migrate(guest, src, firstCounted && fullCost, profile('migration'))
  }
  return {
    info: m.info,
    guestCycles: m.guestCycles,
    peerCycles: peer.value,
    migration: m.cost,
    peer: peer.cost,
    migrationFirst: first,
    clock: m.clock,
    verifyWritten: m.verifyWritten,
    verifyFull: m.verifyFull,
    loadAvg
  }
}

const sorted = (xs: number[]): number[] => xs.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y)

/** The q-quantile of `xs` (linear interpolation between order statistics); NaN for no values. */
function quantile(xs: number[], q: number): number {
  const v = sorted(xs)
  if (v.length === 0) return NaN
  const at = (v.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.min(v.length - 1, lo + 1)
  return v[lo] + (v[hi] - v[lo]) * (at - lo)
}

const median = (xs: number[]): number => quantile(xs, 0.5)

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`
const relative = (a: number, b: number): number => (a - b) / Math.max(b, 1e-9)

/** "4.6 % median of 5 pairs (min …, quartiles … to …, max …)" */
function spread(xs: number[]): string {
  const n = xs.length
  if (n === 1) return `${pct(xs[0])} (1 pair)`
  return `${pct(median(xs))} median of ${n} pairs (min ${pct(quantile(xs, 0))}, quartiles ${pct(quantile(xs, 0.25))} to ${pct(quantile(xs, 0.75))}, max ${pct(quantile(xs, 1))})`
}

function pairLine(label: string, name: string, r: Pair): void {
  const c = r.migration
  const p = r.peer
  console.log(
    `${label}_${name}: migration ${c.wall.toFixed(3)} s wall (on-CPU ${c.onCpu.toFixed(3)} s, waited ${c.waited.toFixed(3)} s), cpu ${c.cpu.toFixed(3)} s, guest run ${r.clock.guest.toFixed(0)} ms, ${c.faults} faults` +
      ` | peer ${p.wall.toFixed(3)} s wall (on-CPU ${p.onCpu.toFixed(3)} s, waited ${p.waited.toFixed(3)} s), cpu ${p.cpu.toFixed(3)} s` +
      ` | overhead wall ${pct(relative(c.wall, p.wall))}, on-CPU ${pct(relative(c.onCpu, p.onCpu))}, cpu ${pct(relative(c.cpu, p.cpu))}` +
      ` (${r.migrationFirst ? 'migration' : 'peer'} first, load ${r.loadAvg.toFixed(1)})`
  )
}

function report(label: string, runs: Pair[]): void {
  const info = runs[0].info
  const m = (f: (r: Pair) => number): number => median(runs.map(f))
  const ms = (x: number): string => `${x.toFixed(0)} ms`
  const p = (name: string, value: string): void => console.log(`${label}_${name}: ${value}`)
  p('rounds', `${info.rounds.length} rounds (${info.rounds.map((x) => x.pagesSent).join(', ')} pages)`)
  p('switchover', info['switchover-reason'] ?? '')
  p('virtual_total_time', `${info['total-time'].toFixed(1)} ms`)
  p('virtual_downtime', `${(info.downtime ?? 0).toFixed(2)} ms`)
  p('transferred', `${(info.transferred / 2 ** 20).toFixed(1)} MiB (${info.normal} normal, ${info.duplicate} zero pages)`)
  const xc = info['xbzrle-cache']
  if (xc) p('xbzrle_cache', `${xc.pages} pages as deltas (${(xc.bytes / 2 ** 20).toFixed(1)} MiB), ${xc['cache-miss']} misses, ${xc.overflow} overflows`)
  p('guest_cycles_migrating', `${runs[0].guestCycles} cycles (the guest is paused during the downtime)`)
  p('guest_cycles_peer', `${runs[0].peerCycles} cycles`)
  p('pairs', `${runs.length} counted (medians below)`)
  const wall = m((r) => r.migration.wall)
  const peerWall = m((r) => r.peer.wall)
  const guest = m((r) => r.clock.guest)
  const send = m((r) => r.clock.send)
  const receive = m((r) => r.clock.receive)
  const verifyWritten = m((r) => r.verifyWritten)
  const verifyFull = m((r) => r.verifyFull)
  const verifyMs = verify === 'off' ? 0 : (verify === 'written' ? verifyWritten : verifyFull) * 1000
  p('wall_time', `${wall.toFixed(3)} s`)
  p('wall_guest_run', ms(guest))
  p('wall_send_postmessage', ms(send))
  const inWorker = destinationThread === 'worker'
  p('wall_receive_apply', `${ms(receive)} (destination: decode, write pages into fresh RAM, hand frames back${inWorker ? '; in its worker, alongside the source' : ''})`)
  p('wall_verify', `${ms(verifyMs)} (${verify}, both ends, measured again after the run)`)
  const rest = wall * 1000 - guest - send - (inWorker ? 0 : receive) - verifyMs
  p('wall_scan_encode_other', `${ms(rest)} (source scan + encode, building the destination VM, state save/load, event loop: by difference)`)
  p('machinery_wall', `${ms(wall * 1000 - guest)} (wall minus the guest's own run)`)
  p('machinery_vs_peer', `${pct((wall - guest / 1000) / Math.max(peerWall, 1e-9))} (the machinery's cost against the peer, as if the guest also ran through the downtime)`)
  p('verify_written_both_ends', `${(verifyWritten * 1000).toFixed(0)} ms`)
  if (!Number.isNaN(verifyFull)) p('verify_full_both_ends', `${(verifyFull * 1000).toFixed(0)} ms (SHA-256 of all RAM; not in the figure unless --verify full)`)
  p('peer_same_virtual_time_wall', `${peerWall.toFixed(3)} s`)
  p('cpu_time', `${m((r) => r.migration.cpu).toFixed(3)} s migrating vs ${m((r) => r.peer.cpu).toFixed(3)} s peer (this process, all threads)`)
  p('page_faults', `${m((r) => r.migration.faults)} migrating vs ${m((r) => r.peer.faults)} peer (first touches of memory; tens of µs each on this host)`)
  p('main_thread_on_cpu', `${m((r) => r.migration.onCpu).toFixed(3)} s migrating vs ${m((r) => r.peer.onCpu).toFixed(3)} s peer; run-queue wait ${m((r) => r.migration.waited).toFixed(3)} s vs ${m((r) => r.peer.waited).toFixed(3)} s`)
  p('cpu_overhead', `${spread(runs.map((r) => relative(r.migration.cpu, r.peer.cpu)))} (this process, all threads)`)
  p('on_cpu_overhead', `${spread(runs.map((r) => relative(r.migration.onCpu, r.peer.onCpu)))} (the main thread's time on a CPU: what the wall overhead would be if no other work waited for the cores)`)
  p('wall_overhead_of_medians', `${pct(relative(wall, peerWall))} (median migration wall against median peer wall)`)
  p('ratio_migration_vs_peer', `${(wall / Math.max(peerWall, 1e-9)).toFixed(3)} x (medians)`)
  p('wall_overhead', `${spread(runs.map((r) => relative(r.migration.wall, r.peer.wall)))}; target <= 25 %`)
}

async function main(): Promise<void> {
  console.log(
    `migration of a ${MEMORY_MIB} MiB guest, working set ${workingSet} pages, ${rate} pages/s, link 1 Gbit/s${xbzrle ? ', xbzrle' : ''}, RAM verification ${verify}, destination in ${destinationThread === 'same' ? 'this thread' : 'a worker thread'}; ${warmups} warm-up + ${pairs} counted pairs per scenario, load average ${loadavg()[0].toFixed(1)}`
  )
  const t0 = performance.now()
  const scenarios: [string, boolean][] = guestKind === 'engine' ? [['busy', true], ['sleeping', false]] : [['sleeping', false]]
  for (const [label, busy] of scenarios) {
    if (only && only !== label) continue
    const guest = guestFor(busy)
    console.log(`${label}: ${guest.name}${busy ? '  (primary figure: the vCPU is busy all the time)' : '  (idle between writes: the peer costs almost nothing)'}`)
    let totalNs: number | null = null
    let deterministic = true
    const check = (r: Pair): void => {
      const ns = Math.round(r.info['total-time'] * 1e6)
      if (totalNs === null) totalNs = ns
      else if (ns !== totalNs) deterministic = false
    }
    for (let i = 0; i < warmups; i++) {
      const r = await pair(label, guest, true, totalNs, false)
      check(r)
      pairLine(label, `warmup_${i + 1}`, r)
    }
    const runs: Pair[] = []
    for (let i = 0; i < pairs; i++) {
      // ABBA: even pairs migrate first, odd ones run the peer first
      const r = await pair(label, guest, i % 2 === 0, totalNs, i === 0)
      check(r)
      runs.push(r)
      pairLine(label, `pair_${i + 1}`, r)
    }
    if (!deterministic) console.log(`${label}_warning: the virtual total time differed between pairs (the engine should be deterministic)`)
    report(label, runs)
  }
  console.log(`bench_wall: ${((performance.now() - t0) / 1000).toFixed(1)} s, load average at the end ${loadavg()[0].toFixed(1)}`)
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
