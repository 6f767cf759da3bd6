// A destination host that cannot build the incoming VM (here: no VF for a VF + virtio failover NIC, the host
// network's refusal) refuses the migration with that reason instead of failing its endpoint; the source keeps
// running. A failover VM also asks the destination for a VF up front, so the dialog's preflight names it.
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { channelFromPort, describeVm, MigrationDestination, MigrationSource, preflightMigration } from '../../../src/main/engine/migration'
import { EngineError } from '../../../src/main/engine/errors'
import { DirtierVm } from './dirtier-vm'
import { descriptorFor, OFFER } from './harness'

describe('a destination that cannot build the VM', () => {
  it('refuses with the build error; the source keeps running', async () => {
    const src = new DirtierVm({ pages: 256, workingSet: 64, rate: 1000, serialEvery: 50 })
    const { port1, port2 } = new MessageChannel()
    const destination = new MigrationDestination({
      channel: channelFromPort(port2),
      offer: OFFER,
      createVm: () => {
        throw new EngineError('IO_NO_IOMMU', 'no IOMMU', { host: 'host-b' })
      }
    })
    const source = new MigrationSource({ vm: src, channel: channelFromPort(port1), hostId: 'host-a', descriptor: descriptorFor(src), params: {} })
    const [outcome, dest] = await Promise.all([source.start(), destination.done])
    expect(dest.status).toBe('refused')
    expect(dest.code).toBe('IO_NO_IOMMU')
    expect(outcome.status).toBe('failed')
    expect(outcome.sourceVmUsable).toBe(true)
    expect(outcome.info.error?.code).toBe('MIGRATION_REFUSED')
    expect(outcome.info['blocked-reasons']).toEqual([{ code: 'IO_NO_IOMMU', params: { host: 'host-b' } }])
    const before = src.virtualCycles
    src.runFor(1_000_000)
    expect(src.virtualCycles).toBeGreaterThan(before)
  })

  it('a failover VM needs a VF at the destination too', () => {
    const vm = describeVm({ name: 'fo', memoryMiB: 16, mode: 'hardware-assisted', nic: 'vf-failover', vtpm: false })
    const hostB = { hostId: 'host-b', freeMemoryBytes: 1 << 30, capabilities: ['mode:hardware-assisted', 'nic:virtio'] }
    expect(preflightMigration('host-a', vm, hostB)).toEqual([{ code: 'MIGRATION_DEST_LACKS_CAPABILITY', params: { host: 'host-b', capability: 'nic:sriov-vf' } }])
    expect(preflightMigration('host-a', vm, { ...hostB, capabilities: [...hostB.capabilities, 'nic:sriov-vf'] })).toEqual([])
  })
})
