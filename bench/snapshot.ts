// bench/snapshot: save and revert throughput of the snapshot store for a 256 MiB guest with mostly non-zero
// memory, against a plain sequential write (+ fsync) and read of the same number of bytes to/from the same disk,
// measured in the same run. Targets: save ≥ 50% of the raw write; revert of a 64 MiB guest ≤ 200 ms wall-clock:
// after 8 MiB changed (a running VM), and into a freshly built VM (a stopped VM, a clone, the app after a restart),
// cold and with its RAM from the host's pool of warm buffers, against a read of the same bytes into fresh and
// into warm memory. The fresh-VM lines again with transparent huge pages in a child process (the _thp lines, for
// reference: the app does not set that tunable).
//   npx tsx bench/snapshot.ts [--dir DIR] [--guest engine|synthetic]
// "engine": a real VM from the VMM's createVm (resources/guest/kernel.elf loaded, not run) whose RAM is then
// filled; "synthetic": the snapshot tests' synthetic VM. The store, the raw file and the RAM are the same either
// way; the guest only matters for saveState/loadState.
import * as fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import * as os from 'node:os'
import * as path from 'node:path'
import { randomFillSync } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { openSnapshotStore, type SnapshotStore } from '../src/main/engine/snapshot/store'
import { PAGE_SIZE, type MigratableVm } from '../src/main/engine/vmm/vm-state'
import { createVm } from '../src/main/engine/vmm/api'
import { SyntheticVm } from '../tests/unit/snapshot/synthetic-vm'
import { freshVmPages } from '../src/main/engine/snapshot/fresh-vm'
import { hostRamBytes, stagingBuffer } from '../src/main/engine/snapshot/host-methods'
import { drainGuestRamPool, guestRamPoolStats, warmGuestRam } from '../src/main/engine/machine/guest-ram'

const args = process.argv.slice(2)
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt
}
const KERNEL = path.join(__dirname, '../resources/guest/kernel.elf')
const MiB = 1 << 20

function makeGuest(memoryMiB: number): { vm: MigratableVm; kind: string; imagePages?: [number, number][] } {
  const want = arg('guest', 'auto')
  if (want !== 'synthetic' && fs.existsSync(KERNEL)) {
    const elf = new Uint8Array(fs.readFileSync(KERNEL))
    const vm = createVm({ name: 'bench', memoryMiB, mode: 'hardware-assisted', nic: 'none', vtpm: false }, elf)
    return { vm, kind: 'engine', imagePages: freshVmPages(elf) }
  }
  return { vm: new SyntheticVm({ pages: (memoryMiB * MiB) / PAGE_SIZE, seed: 1, filledPages: 0 }), kind: 'synthetic' }
}

/** Anonymous memory of this process backed by transparent huge pages. */
function hugePagesKiB(): number {
  try {
    return Number(/AnonHugePages:\s+(\d+)/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** 15 of 16 pages random (unique), every 16th zero: "mostly non-zero". */
function fillMemory(ram: Uint8Array): number {
  randomFillSync(ram)
  let zero = 0
  for (let p = 15; p * PAGE_SIZE < ram.length; p += 16, zero++) ram.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE)
  return zero
}

function rawWrite(file: string, data: Uint8Array): number {
  const t = performance.now()
  const fd = fs.openSync(file, 'w')
  for (let off = 0; off < data.length; off += 4 * MiB) fs.writeSync(fd, data, off, Math.min(4 * MiB, data.length - off), off)
  fs.fsyncSync(fd)
  fs.closeSync(fd)
  return performance.now() - t
}

function rawRead(file: string, into: Uint8Array): number {
  const t = performance.now()
  const fd = fs.openSync(file, 'r')
  for (let off = 0; off < into.length; off += 4 * MiB) fs.readSync(fd, into, off, Math.min(4 * MiB, into.length - off), off)
  fs.closeSync(fd)
  return performance.now() - t
}

const line = (name: string, value: number, unit: string, digits = 1): void => console.log(`${name}: ${value.toFixed(digits)} ${unit}`)
const mibps = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]
/** CPU time of this process (user + system): what the machine's load does not inflate. */
const cpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Reverts of a 64 MiB guest into a VM built for it, as the app reverts a stopped VM (build it from its image,
 * then restore; both timed), median of 3 each:
 *  - cold: its RAM freshly allocated, so every page the snapshot fills costs a first-touch page fault;
 *  - pooled: its RAM taken from the host's pool of warm buffers (machine/guest-ram.ts), warmed beforehand as the
 *    app warms it while the user looks at the snapshot list (the warm-up time is printed too: it moved, it did
 *    not vanish).
 * Peers, the same bytes read from a file in the same run: into freshly allocated memory (cold) and into memory
 * already touched (pooled). */
function freshReverts(store: SnapshotStore, base: string, vmId: string, snap: string, content: Uint8Array, suffix: string): void {
  const smallFile = path.join(base, 'raw64.bin')
  fs.writeFileSync(smallFile, content)
  const warmPeer = new Uint8Array(content.length)
  warmPeer.fill(1)
  const runs = { cold: [] as number[], coldCpu: [] as number[], pooled: [] as number[], pooledCpu: [] as number[], build: [] as number[] }
  const peers = { fresh: [] as number[], warm: [] as number[], warmUp: [] as number[] }
  const revertInto = (wall: number[], cpu: number[]): void => {
    const t = performance.now()
    const c0 = cpuMs()
    const fresh = makeGuest(64)
    const built = performance.now() - t
    store.revert(vmId, snap, fresh.vm, fresh.imagePages ? { freshExcept: fresh.imagePages } : { disposableVm: true })
    cpu.push(cpuMs() - c0)
    wall.push(performance.now() - t)
    runs.build.push(built)
    if (!Buffer.from(fresh.vm.ram).equals(content)) throw new Error('revert into a fresh VM differs')
  }
  for (let i = 0; i < 3; i++) {
    peers.fresh.push(rawRead(smallFile, new Uint8Array(content.length)))
    peers.warm.push(rawRead(smallFile, warmPeer))
    drainGuestRamPool()
    revertInto(runs.cold, runs.coldCpu)
    const t = performance.now()
    const warming = warmGuestRam(hostRamBytes({ memoryMiB: 64, mode: 'hardware-assisted' }))
    if (warming === null) throw new Error('the guest RAM pool has no room')
    while (!warming.step(2 * MiB));
    peers.warmUp.push(performance.now() - t)
    const before = guestRamPoolStats().taken
    revertInto(runs.pooled, runs.pooledCpu)
    if (fs.existsSync(KERNEL) && arg('guest', 'auto') !== 'synthetic' && guestRamPoolStats().taken !== before + 1) throw new Error('the VM did not take the pooled RAM')
  }
  line(`raw_read_64MiB_into_fresh_buffer${suffix}`, median(peers.fresh), 'ms')
  line(`raw_read_64MiB_into_warm_buffer${suffix}`, median(peers.warm), 'ms')
  line(`build_vm_64MiB${suffix}`, median(runs.build), 'ms')
  line(`revert_64MiB_into_fresh_vm_cold_wall${suffix}`, median(runs.cold), 'ms (build + revert; target <= 200)')
  line(`revert_64MiB_into_fresh_vm_cold_cpu${suffix}`, median(runs.coldCpu), 'ms')
  line(`revert_fresh_cold_vs_raw_read_fresh${suffix}`, median(runs.cold) / median(peers.fresh), 'x', 2)
  line(`guest_ram_warm_up_64MiB${suffix}`, median(peers.warmUp), 'ms (beforehand, while idle)')
  line(`revert_64MiB_into_fresh_vm_pooled_wall${suffix}`, median(runs.pooled), 'ms (build + revert; target <= 200)')
  line(`revert_64MiB_into_fresh_vm_pooled_cpu${suffix}`, median(runs.pooledCpu), 'ms')
  line(`revert_fresh_pooled_vs_raw_read_warm${suffix}`, median(runs.pooled) / median(peers.warm), 'x', 2)
  line(`guest_ram_huge_pages${suffix}`, hugePagesKiB() / 1024, 'MiB')
}

/** The fresh-VM reverts again in a child process whose allocator asks for transparent huge pages for large
 * blocks (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, read at process start): guest RAM then faults in 2 MiB at a time,
 * as QEMU's guest RAM does (it madvises MADV_HUGEPAGE). */
function freshRevertsWithHugePages(): void {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, ...args, '--only', 'fresh'], {
    env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' },
    encoding: 'utf8'
  })
  process.stdout.write(r.stdout)
  if (r.status !== 0) process.stderr.write(r.stderr)
}

function onlyFresh(): void {
  const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'vmmwb-bench-snap-'))
  try {
    const small = makeGuest(64).vm
    fillMemory(small.ram)
    const store = openSnapshotStore(path.join(base, 'store'), { clock: () => 0 })
    store.createVm('small', 'small', { name: 'small' })
    const snap = store.take('small', small).snapshot.id
    freshReverts(store, base, 'small', snap, small.ram, '_thp')
  } finally {
    fs.rmSync(base, { recursive: true, force: true })
  }
}

function main(): void {
  const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'vmmwb-bench-snap-'))
  try {
    const { vm, kind } = makeGuest(256)
    const zeroPages = fillMemory(vm.ram)
    const bytes = vm.ram.length
    console.log(`guest: ${kind}, ${bytes / MiB} MiB RAM, ${zeroPages} of ${bytes / PAGE_SIZE} pages zero, store in ${base}`)

    // peer: the same bytes written and read sequentially, same disk, same run
    const rawFile = path.join(base, 'raw.bin')
    const rawW = rawWrite(rawFile, vm.ram)
    const scratch = new Uint8Array(bytes)
    const rawR = rawRead(rawFile, scratch)
    fs.rmSync(rawFile)

    const store = openSnapshotStore(path.join(base, 'store'), { clock: () => 0 })
    store.createVm('bench', 'bench', { name: 'bench' })
    let t = performance.now()
    let c0 = cpuMs()
    const taken = store.take('bench', vm, { description: 'full' })
    const saveMs = performance.now() - t
    const saveCpu = cpuMs() - c0
    // revert into memory that differs everywhere (as a freshly created VM's would): every page is read + verified
    const saved = Buffer.from(vm.ram) // kept to put the same content back for the incremental step
    fillMemory(vm.ram)
    t = performance.now()
    c0 = cpuMs()
    const full = store.revert('bench', taken.snapshot.id, vm)
    const revertMs = performance.now() - t
    const revertCpu = cpuMs() - c0
    if (full.pagesRead !== taken.pagesHashed || !saved.equals(vm.ram)) throw new Error('revert did not read every page back')
    // again: the first revert also paid for allocating its staging buffer (kept for the next ones)
    fillMemory(vm.ram)
    t = performance.now()
    c0 = cpuMs()
    store.revert('bench', taken.snapshot.id, vm)
    const revert2Ms = performance.now() - t
    const revert2Cpu = cpuMs() - c0
    if (!saved.equals(vm.ram)) throw new Error('second revert differs')

    line('raw_write_256MiB', mibps(bytes, rawW), 'MiB/s')
    line('save_256MiB', mibps(bytes, saveMs), 'MiB/s')
    line('save_256MiB_time', saveMs, 'ms', 0)
    line('save_vs_raw_write', (100 * rawW) / saveMs, '% (target >= 50)')
    line('save_256MiB_cpu', saveCpu, 'ms', 0)
    line('raw_read_256MiB', mibps(bytes, rawR), 'MiB/s')
    line('revert_256MiB', mibps(bytes, revertMs), 'MiB/s')
    line('revert_vs_raw_read', (100 * rawR) / revertMs, '%')
    line('revert_256MiB_cpu', revertCpu, 'ms', 0)
    line('revert_256MiB_again', mibps(bytes, revert2Ms), 'MiB/s')
    line('revert_again_vs_raw_read', (100 * rawR) / revert2Ms, '%')
    line('revert_256MiB_again_cpu', revert2Cpu, 'ms', 0)
    line('pages_written', taken.pagesWritten, 'pages', 0)

    // incremental: 1% of the pages change, the child writes only those
    const step = 100
    for (let p = 0; p < bytes / PAGE_SIZE; p += step) vm.ram[p * PAGE_SIZE + 7] ^= 0xa5
    t = performance.now()
    const inc = store.take('bench', vm, { description: 'incremental' })
    line('incremental_take_time', performance.now() - t, 'ms', 0)
    line('incremental_pages_written', inc.pagesWritten, `pages (of ${Math.ceil(bytes / PAGE_SIZE / step)} changed)`, 0)

    // a 64 MiB guest: revert wall-clock (median of 3)
    const small = makeGuest(64).vm
    fillMemory(small.ram)
    store.createVm('small', 'small', { name: 'small' })
    const snap = store.take('small', small).snapshot.id
    // the lab loop: the guest ran and changed 8 MiB, revert (median of 3); and a revert into a fresh VM
    const times: number[] = []
    const cpu: number[] = []
    for (let i = 0; i < 3; i++) {
      randomFillSync(small.ram, 0, 8 * MiB)
      t = performance.now()
      const c = cpuMs()
      store.revert('small', snap, small, { staging: stagingBuffer }) // as the host worker reverts a running VM
      cpu.push(cpuMs() - c)
      times.push(performance.now() - t)
    }
    line('revert_64MiB_after_8MiB_changed_wall', median(times), 'ms (target <= 200)')
    line('revert_64MiB_after_8MiB_changed_cpu', median(cpu), 'ms')
    freshReverts(store, base, 'small', snap, small.ram, '')
    line('store_disk', store.diskUsage() / MiB, 'MiB')
  } finally {
    fs.rmSync(base, { recursive: true, force: true })
  }
}

if (arg('only', '') === 'fresh') onlyFresh()
else {
  main()
  freshRevertsWithHugePages()
}
