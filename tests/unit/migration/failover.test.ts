// Live migration of a VF + virtio failover VM in the engine (source and destination over a MessageChannel, each on
// its own host network, the real kernel serving `web`): every status the source reports, in QEMU's order (after
// setup: wait-unplug → active → completed), the guest on its standby while pages move, a VF plugged at the destination
// and the requests there answered on it without interrupt exits; a destination without a free VF leaves it on virtio.
import { existsSync, readFileSync } from 'node:fs'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { channelFromPort, describeVm, MigrationDestination, MigrationSource, type MigrationInfo } from '../../../src/main/engine/migration'
import { createVm, type Vm } from '../../../src/main/engine/vmm/vm'
import type { HostNetwork } from '../../../src/main/engine/host/host-network'
import type { VmConfig } from '../../../src/main/engine/vmm/api'
import { KERNEL_ELF, runUntilServing, text, vfHost } from '../io/nic-vm'

const CONFIG: VmConfig = { name: 'fo-mig', memoryMiB: 16, mode: 'hardware-assisted', nic: 'vf-failover', vtpm: false, cmdline: 'selftest=0 workload=web' }
const MS = 1_000_000

async function migrateFailover(destVfsFree: boolean): Promise<{ statuses: string[]; info: MigrationInfo; dest: Vm; destNet: HostNetwork; srcNet: HostNetwork }> {
  const elf = new Uint8Array(readFileSync(KERNEL_ELF))
  const srcNet = vfHost(1, 'host-a')
  const src = createVm(CONFIG, elf, { network: srcNet.forVm('vm1', CONFIG.name) }) as Vm
  runUntilServing(src)
  srcNet.startWebClient('vm1', { intervalNs: 500_000, count: 10 })
  src.runFor(10 * MS)
  expect(srcNet.webReport('vm1')?.summary.answered).toBe(10)
  expect(src.nic?.failover?.delivered.primary).toBe(10)

  const destNet = vfHost(1, 'host-c')
  if (!destVfsFree) createVm({ ...CONFIG, name: 'holder', nic: 'sriov-vf' }, elf, { network: destNet.forVm('holder', 'holder') })
  let dest: Vm | null = null
  const { port1, port2 } = new MessageChannel()
  const statuses: string[] = []
  const source = new MigrationSource({
    vm: src,
    channel: channelFromPort(port1),
    hostId: 'host-a',
    descriptor: describeVm(CONFIG),
    params: { 'max-bandwidth': 2_000_000 },
    verifyRam: 'full',
    onProgress: (i) => {
      if (statuses.at(-1) !== i.status) statuses.push(i.status)
    }
  })
  const destination = new MigrationDestination({
    channel: channelFromPort(port2),
    offer: { hostId: 'host-c', freeMemoryBytes: 1 << 30, capabilities: ['mode:hardware-assisted', 'nic:virtio', 'nic:sriov-vf'] },
    createVm: () => (dest = createVm(CONFIG, elf, { network: destNet.forVm('vm1', CONFIG.name) }) as Vm)
  })
  const [outcome, arrived] = await Promise.all([source.start(), destination.done])
  expect(outcome.status).toBe('completed')
  expect(arrived.status).toBe('resumed')
  if (!dest) throw new Error('no destination VM')
  // the source's guest released its VF while it was still running there
  expect(text(src.drainSerial())).toContain('net: failover: vf released, on the virtio standby')
  return { statuses, info: outcome.info, dest, destNet, srcNet }
}

describe.skipIf(!existsSync(KERNEL_ELF))('live migration of a VF + virtio failover VM', () => {
  it('goes setup → wait-unplug → active → completed and ends on a VF of the destination', async () => {
    const { statuses, info, dest, destNet } = await migrateFailover(true)
    // (the source reports nothing during setup itself: its first report is wait-unplug's)
    expect(statuses).toEqual(['wait-unplug', 'active', 'completed'])
    expect(info.failover).toEqual({ 'unplug-time': expect.any(Number), 'surprise-removal': false, destination: 'primary' })
    expect(info.failover?.['unplug-time']).toBeGreaterThan(0)
    expect(info.failover?.['unplug-time']).toBeLessThan(10)
    // the guest resumes, sees the VF plugged in, and serves on it: VF latency, no interrupt exits
    dest.runFor(2 * MS)
    expect(text(dest.drainSerial())).toContain('net: failover: vf plugged, on the vf')
    const pair = dest.nic?.failover
    expect(pair?.state).toBe('primary')
    const before = dest.stats().exits['external-irq']
    destNet.startWebClient('vm1', { intervalNs: 500_000, count: 10 })
    dest.runFor(10 * MS)
    const r = destNet.webReport('vm1')
    expect(r?.summary.answered).toBe(10)
    expect(r?.summary.duplicates).toBe(0)
    expect(pair?.delivered.primary).toBe(10)
    expect(dest.stats().exits['external-irq'] - before).toBe(0)
    expect(r?.summary.meanLatencyNs).toBeLessThan(10_000)
  })

  it('a destination whose only VF is taken keeps the VM on its virtio standby', async () => {
    const { info, dest, destNet } = await migrateFailover(false)
    expect(info.failover?.destination).toBe('standby')
    dest.runFor(2 * MS)
    expect(dest.nic?.failover?.state).toBe('standby')
    destNet.startWebClient('vm1', { intervalNs: 500_000, count: 10 })
    dest.runFor(10 * MS)
    expect(destNet.webReport('vm1')?.summary.answered).toBe(10)
    expect(dest.nic?.failover?.delivered).toEqual({ primary: 0, standby: 10 })
  })
})
