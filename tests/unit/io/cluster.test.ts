import { describe, expect, it } from 'vitest'
import {
  checkNicChoice,
  explainNic,
  failoverPlan,
  migrationBlocker
} from '../../../src/main/engine/cluster/capabilities'
import { checkMove, plan, teachingLabCluster } from '../../../src/main/engine/cluster/planner'

const noUse = { vfsInUse: 0, coresInUse: 0, memoryInUseMiB: 0 }

describe('NIC choice against host capabilities', () => {
  const withIommu = { name: 'a', iommu: true, sriovVfs: 2, cores: 8, memoryMiB: 8192 }
  const noIommu = { name: 'c', iommu: false, sriovVfs: 0, cores: 8, memoryMiB: 8192 }
  it('refuses impossible choices with a reason code', () => {
    expect(checkNicChoice(noIommu, noUse, 'sriov-vf')?.code).toBe('IO_NO_IOMMU')
    expect(checkNicChoice(noIommu, noUse, 'vf-failover')?.code).toBe('IO_NO_IOMMU')
    expect(checkNicChoice({ ...withIommu, sriovVfs: 0 }, noUse, 'sriov-vf')?.code).toBe('IO_NO_SRIOV_NIC')
    expect(checkNicChoice(withIommu, { ...noUse, vfsInUse: 2 }, 'sriov-vf')).toEqual({
      code: 'IO_NO_FREE_VF',
      params: { host: 'a', nic: 'sriov-vf', total: 2 }
    })
    expect(checkNicChoice(noIommu, noUse, 'virtio')).toBeNull()
    expect(checkNicChoice(withIommu, { ...noUse, vfsInUse: 1 }, 'sriov-vf')).toBeNull()
  })

  it('explains the trade-off of each choice', () => {
    expect(explainNic('emulated')).toMatchObject({ exitsPerPacket: 'many', migratable: 'yes' })
    expect(explainNic('sriov-vf')).toMatchObject({ exitsPerPacket: 'none', migratable: 'no', needs: ['iommu', 'sriov-vf'] })
    expect(explainNic('vf-failover')).toMatchObject({ migratable: 'after-unplug', interrupts: 'posted' })
  })

  it('migration refuses a VM pinned by a VF and allows a failover pair after unplugging', () => {
    expect(migrationBlocker('web-1', 'sriov-vf')).toEqual({ code: 'IO_VF_PINNED', params: { vm: 'web-1' } })
    expect(migrationBlocker('web-2', 'vf-failover')).toBeNull()
    expect(migrationBlocker('s', 'virtio')).toBeNull()
    expect(failoverPlan('vf-failover', withIommu, noUse)).toEqual(['unplug-vf', 'traffic-on-virtio-standby', 'migrate', 'replug-vf'])
    expect(failoverPlan('vf-failover', noIommu, noUse)).toEqual(['unplug-vf', 'traffic-on-virtio-standby', 'migrate', 'stay-on-virtio'])
  })
})

describe('teaching-lab planner', () => {
  const cluster = teachingLabCluster()
  const rows = plan(cluster)
  const row = (vm: string, nic: string) => rows.find((r) => r.vm === vm && r.nic === nic)

  it('has one row per VM and NIC choice', () => {
    expect(rows).toHaveLength(cluster.vms.length * 4)
  })

  it('a VF-pinned VM cannot move anywhere; the same VM on virtio reaches every host with room', () => {
    expect(row('web-1', 'sriov-vf')?.reachable).toBe(0)
    expect(row('web-1', 'sriov-vf')?.moves.every((m) => m.refusal?.code === 'IO_VF_PINNED')).toBe(true)
    expect(row('web-1', 'virtio')?.reachable).toBe(3)
  })

  it('failover moves everywhere but runs on virtio where the destination has no IOMMU or no free VF', () => {
    const moves = row('web-2', 'vf-failover')?.moves ?? []
    expect(moves.map((m) => [m.to, m.ok, m.degraded])).toEqual([
      ['lab-b', true, true], // lab-b's two VFs are taken by db-1 and db-2
      ['lab-c', true, true], // no IOMMU
      ['lab-d', true, true]
    ])
  })

  it('a VM on a host without an IOMMU cannot even choose SR-IOV there', () => {
    expect(row('student-1', 'sriov-vf')?.allowedHere?.code).toBe('IO_NO_IOMMU')
    expect(row('student-1', 'virtio')?.allowedHere).toBeNull()
  })

  it('capacity limits are reported with their own codes', () => {
    const db1 = cluster.vms.find((v) => v.name === 'db-1')
    const labD = cluster.hosts.find((h) => h.name === 'lab-d')
    if (!db1 || !labD) throw new Error('preset changed')
    expect(checkMove(cluster, db1, 'virtio', labD).refusal).toEqual({ code: 'IO_HOST_NO_CORES', params: { host: 'lab-d', free: 3 } })
  })
})
