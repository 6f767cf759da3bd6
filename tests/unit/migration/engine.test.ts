// Migration of the real guest (resources/guest/kernel.elf running the dirty workload) on the real VMM, source
// and destination joined by a MessageChannel.
import { existsSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import {
  channelFromPort,
  MigrationDestination,
  MigrationSource,
  type DestinationOutcome,
  type MigrationOutcome,
  type MigrationParams
} from '../../../src/main/engine/migration'
import { createVm } from '../../../src/main/engine/vmm/vm'
import type { VirtMode, VmInstance } from '../../../src/main/engine/vmm/api'
import { precopySeries } from './harness'

const ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const B = 12_500_000 // 100 Mbit/s
const W = 2048
const D = 2000

function boot(mode: VirtMode, cmdline: string): VmInstance {
  return createVm({ name: 'mig', memoryMiB: 16, mode, nic: 'none', vtpm: false, cmdline }, new Uint8Array(readFileSync(ELF)))
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b)

/** The "dirty: pass N done" numbers in order. */
function passes(out: string): number[] {
  return [...out.matchAll(/dirty: pass (\d+) done/g)].map((m) => Number(m[1]))
}

async function migrateReal(
  src: VmInstance,
  mode: VirtMode,
  cmdline: string,
  params: Partial<MigrationParams>
): Promise<{ outcome: MigrationOutcome; dest: DestinationOutcome; destVm: VmInstance | null; sourceOut: string }> {
  const { port1, port2 } = new MessageChannel()
  let destVm: VmInstance | null = null
  let sourceOut = ''
  const destination = new MigrationDestination({
    channel: channelFromPort(port2),
    offer: { hostId: 'host-b', freeMemoryBytes: 1 << 30, capabilities: [`mode:${mode}`] },
    createVm: () => (destVm = boot(mode, cmdline))
  })
  const source = new MigrationSource({
    vm: src,
    channel: channelFromPort(port1),
    hostId: 'host-a',
    descriptor: { name: 'mig', memoryBytes: src.ram.length, requires: [`mode:${mode}`], devices: [] },
    params,
    verifyRam: 'full', // independent of the written-page records
    onProgress: () => (sourceOut += text(src.drainSerial())),
    onPause: () => (sourceOut += text(src.drainSerial()))
  })
  const [outcome, dest] = await Promise.all([source.start(), destination.done])
  return { outcome, dest, destVm, sourceOut }
}

describe.skipIf(!existsSync(ELF))('the real guest on the real VMM', () => {
  for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
    it(`pre-copy (${mode}): rounds and downtime follow the series; RAM, hart and devices identical; serial continues`, async () => {
      const cmdline = `selftest=0 workload=dirty dirty.pages=${W} dirty.rate=${D}`
      const src = boot(mode, cmdline)
      src.runFor(1_500_000_000) // boot and the first pass
      let sourceOut = text(src.drainSerial())
      const series = precopySeries(src.ram, W, D, B, 300)
      const run = await migrateReal(src, mode, cmdline, { 'max-bandwidth': B })
      sourceOut += run.sourceOut
      const info = run.outcome.info
      expect(run.outcome.status).toBe('completed')
      expect(info['switchover-reason']).toBe('converged')
      const sent = info.rounds.map((r) => r.pagesSent)
      expect(sent.length).toBe(series.rounds.length)
      // the kernel dirties a few pages of its own (stacks, page tables, timer state) besides the working set
      sent.forEach((n, i) => expect(Math.abs(n - series.rounds[i]) / series.rounds[i]).toBeLessThan(0.1))
      expect(Math.abs((info.downtime ?? 0) - series.downtimeMs) / series.downtimeMs).toBeLessThan(0.1)

      const dest = run.destVm
      expect(dest).not.toBeNull()
      if (!dest) return
      // byte-identical at the pause: the source has not run since
      expect(sha(dest.ram)).toBe(sha(src.ram))
      expect(sha(dest.ram)).toBe(run.outcome.pauseHashes?.ram)
      const a = src.saveState()
      const b = dest.saveState()
      expect(JSON.stringify(b.hart)).toBe(JSON.stringify(a.hart))
      expect(JSON.stringify(b.devices)).toBe(JSON.stringify(a.devices))
      expect(dest.virtualCycles).toBe(src.virtualCycles)

      // the guest continues at the destination: pass lines consecutive, none lost or repeated
      dest.runFor(2_500_000_000)
      const all = passes(sourceOut + text(dest.drainSerial()))
      expect(passes(sourceOut).length).toBeGreaterThanOrEqual(1)
      expect(all.length).toBeGreaterThanOrEqual(4)
      all.forEach((n, i) => expect(n).toBe(i + 1))
      expect(dest.halt).toBeNull()
    }, 120_000)
  }

  it('auto-converge brings a guest dirtying faster than the link to convergence', async () => {
    // 6000 pages/s against ~3050 pages/s of link: the throttle must pass 50% (QEMU steps 20, 30, ...)
    const mode = 'hardware-assisted'
    const cmdline = 'selftest=0 workload=dirty dirty.pages=2048 dirty.rate=6000'
    const src = boot(mode, cmdline)
    src.runFor(1_000_000_000)
    const run = await migrateReal(src, mode, cmdline, { 'max-bandwidth': B, 'auto-converge': true })
    const info = run.outcome.info
    expect(run.outcome.status).toBe('completed')
    expect(info['switchover-reason']).toBe('converged')
    expect(info.downtime ?? Infinity).toBeLessThanOrEqual(300)
    expect(info['cpu-throttle-percentage']).toBeGreaterThan(50)
    // before the throttle the whole working set is dirtied every round; at the end the rounds shrink
    expect(info.rounds[1].pagesDirtied).toBeGreaterThanOrEqual(W)
    expect(info.rounds[info.rounds.length - 1].pagesDirtied).toBeLessThan(915)
    const steps = [...new Set(info.rounds.map((r) => r.throttle))].filter((t) => t > 0)
    steps.forEach((t, i) => expect(t).toBe(20 + 10 * i))
    expect(sha(run.destVm?.ram ?? new Uint8Array())).toBe(sha(src.ram))
  }, 120_000)

  it('post-copy: every page exactly once, on-demand requests counted, the guest continues', async () => {
    const mode = 'hardware-assisted'
    const cmdline = `selftest=0 workload=dirty dirty.pages=1024 dirty.rate=4000`
    const src = boot(mode, cmdline)
    src.runFor(600_000_000)
    const before = text(src.drainSerial())
    const run = await migrateReal(src, mode, cmdline, { 'max-bandwidth': B, 'postcopy-ram': true })
    expect(run.outcome.status).toBe('completed')
    const pages = src.ram.length / 4096
    expect(run.dest.pagesReceived).toBe(pages)
    expect(run.dest.duplicatePageDeliveries).toBe(0)
    expect(run.outcome.info.normal + run.outcome.info.duplicate).toBe(pages)
    expect(run.outcome.info['postcopy-requests']).toBeGreaterThan(0)
    expect(run.outcome.info['postcopy-requests']).toBe(run.dest.postcopyRequests)
    const dest = run.destVm
    if (!dest) throw new Error('no destination VM')
    dest.runFor(1_000_000_000)
    const all = passes(before + run.sourceOut + text(dest.drainSerial()))
    expect(all.length).toBeGreaterThanOrEqual(3)
    all.forEach((n, i) => expect(n).toBe(i + 1))
    expect(dest.halt).toBeNull()
  }, 120_000)
})
