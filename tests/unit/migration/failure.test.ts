import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { DirtierVm, type DirtierConfig } from './dirtier-vm'
import { descriptorFor, migrate, OFFER } from './harness'
import { registerMigrationBlocker, preflightMigration, describeVm } from '../../../src/main/engine/migration'

const B = 12_500_000
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const cfg: DirtierConfig = { pages: 2048, workingSet: 1024, rate: 1500, serialEvery: 50 }

/** The source guest must be exactly a guest that never migrated, run for the same virtual time. */
function expectUntouched(src: DirtierVm): void {
  src.runFor(100_000_000)
  const ref = new DirtierVm(cfg)
  ref.runFor(src.virtualCycles)
  expect(sha(src.ram)).toBe(sha(ref.ram))
  expect(src.drainSerial()).toBe(ref.drainSerial())
}

describe('cancel and link drop during pre-copy', () => {
  it('cancel: the source keeps running untouched, the destination discards its copy', async () => {
    const src = new DirtierVm(cfg)
    const run = await migrate(src, { 'max-bandwidth': B }, { during: (s, info) => info.rounds.length >= 1 && s.cancel() })
    expect(run.outcome.status).toBe('cancelled')
    expect(run.outcome.sourceVmUsable).toBe(true)
    expect(run.outcome.info.error).toBeNull()
    expect(run.dest.status).toBe('discarded')
    expect(run.dest.code).toBe('MIGRATION_CANCELLED')
    expect(run.dest.vm).toBeNull()
    expect(run.events.map((e) => e.type)).toEqual(['accepted', 'discarded'])
    expectUntouched(src)
  })

  it('link drop: same as cancel, with MIGRATION_LINK_DOWN', async () => {
    const src = new DirtierVm(cfg)
    const run = await migrate(src, { 'max-bandwidth': B }, { during: (s, info) => info.transferred > 2_000_000 && s.dropLink() })
    expect(run.outcome.status).toBe('failed')
    expect(run.outcome.info.error?.code).toBe('MIGRATION_LINK_DOWN')
    expect(run.outcome.sourceVmUsable).toBe(true)
    expect(run.dest.status).toBe('discarded')
    expect(run.dest.vm).toBeNull()
    expectUntouched(src)
  })

  it('link drop after the post-copy switchover fails the VM on both ends', async () => {
    const src = new DirtierVm({ ...cfg, rate: 20_000 })
    const run = await migrate(src, { 'max-bandwidth': B, 'postcopy-ram': true }, {
      during: (s, info) => info.status === 'postcopy-active' && info.transferred > 1_000_000 && s.dropLink()
    })
    expect(run.outcome.status).toBe('failed')
    expect(run.outcome.info.error?.code).toBe('MIGRATION_POSTCOPY_LINK_LOST')
    expect(run.outcome.sourceVmUsable).toBe(false)
    expect(run.dest.status).toBe('failed')
    expect(run.dest.code).toBe('MIGRATION_POSTCOPY_LINK_LOST')
    expect(run.events.map((e) => e.type)).toEqual(['accepted', 'postcopy-started', 'failed'])
  })
})

describe('refusal up front', () => {
  let unregister: (() => void) | null = null
  afterEach(() => {
    unregister?.()
    unregister = null
  })

  it('refuses the same host, too little memory and a missing capability, and the source keeps running', async () => {
    const src = new DirtierVm(cfg)
    const run = await migrate(src, {}, {
      offer: { hostId: 'host-a', freeMemoryBytes: 1024 * 1024, capabilities: ['mode:trap-and-emulate'] },
      descriptor: descriptorFor(src, { requires: ['mode:hardware-assisted', 'vtpm'] })
    })
    expect(run.outcome.status).toBe('failed')
    expect(run.outcome.sourceVmUsable).toBe(true)
    expect(run.outcome.info.error?.code).toBe('MIGRATION_REFUSED')
    expect(run.outcome.info['blocked-reasons'].map((r) => r.code)).toEqual([
      'MIGRATION_SAME_HOST',
      'MIGRATION_DEST_NO_MEMORY',
      'MIGRATION_DEST_LACKS_CAPABILITY',
      'MIGRATION_DEST_LACKS_CAPABILITY'
    ])
    expect(run.outcome.info['blocked-reasons'][1].params).toMatchObject({ needed: src.ram.length, available: 1024 * 1024 })
    expect(run.outcome.info.transferred).toBe(0)
    expect(run.dest.status).toBe('refused')
    expectUntouched(src)
  })

  it('an SR-IOV VF blocks migration before the destination is contacted; vf-failover does not', async () => {
    const vf = describeVm({ name: 'a', memoryMiB: 8, mode: 'hardware-assisted', nic: 'sriov-vf', vtpm: false })
    expect(preflightMigration('host-a', vf, OFFER).map((r) => r.code)).toContain('MIGRATION_BLOCKED_PASSTHROUGH')
    const failover = describeVm({ name: 'a', memoryMiB: 8, mode: 'hardware-assisted', nic: 'vf-failover', vtpm: false })
    expect(preflightMigration('host-a', failover, { ...OFFER, capabilities: [...OFFER.capabilities, 'nic:virtio', 'nic:sriov-vf'] })).toEqual([])

    const src = new DirtierVm(cfg)
    const run = await migrate(src, {}, { descriptor: descriptorFor(src, { devices: [{ id: 'nic0', kind: 'sriov-vf', passthrough: true }] }) })
    expect(run.outcome.status).toBe('failed')
    expect(run.outcome.info.error?.code).toBe('MIGRATION_BLOCKED')
    expect(run.outcome.info['blocked-reasons']).toEqual([{ code: 'MIGRATION_BLOCKED_PASSTHROUGH', params: { device: 'nic0', kind: 'sriov-vf' } }])
    expect(run.dest.status).toBe('discarded')
  })

  it('takes blocker rules registered by other areas (data-driven)', async () => {
    unregister = registerMigrationBlocker((vm) =>
      vm.devices.filter((d) => d.kind === 'gpu').map((d) => ({ code: 'MIGRATION_BLOCKED_PASSTHROUGH', params: { device: d.id, kind: 'gpu' } }))
    )
    const src = new DirtierVm(cfg)
    const run = await migrate(src, {}, { descriptor: descriptorFor(src, { devices: [{ id: 'gpu0', kind: 'gpu', passthrough: false }] }) })
    expect(run.outcome.info['blocked-reasons'].map((r) => r.params.device)).toEqual(['gpu0'])
  })

  it('rejects out-of-range parameters with MIGRATION_BAD_PARAMETER', async () => {
    const src = new DirtierVm(cfg)
    await expect(migrate(src, { 'downtime-limit': -5 })).rejects.toMatchObject({ code: 'MIGRATION_BAD_PARAMETER', params: { name: 'downtime-limit' } })
  })
})
