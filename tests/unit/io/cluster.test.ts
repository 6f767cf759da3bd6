import { describe, expect, it } from 'vitest'
import { checkNicChoice, explainNic } from '../../../src/main/engine/cluster/capabilities'
import { planCell, planCluster, planCsv, type PlanHost, type PlanInput, type PlanVm } from '../../../src/main/engine/cluster/planner'
import { registerMigrationBlocker } from '../../../src/main/engine/migration'

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

})

const MIB = 1024 * 1024
const host = (id: string, over: Partial<PlanHost> = {}): PlanHost => ({ id, name: id, iommu: true, sriovVfs: 2, cores: 4, memoryMiB: 2048, ...over })
const vm = (id: string, hostId: string, over: Partial<PlanVm> = {}): PlanVm => ({
  id,
  name: id,
  hostId,
  vcpus: 1,
  memoryMiB: 256,
  nic: 'virtio',
  mode: 'hardware-assisted',
  vtpm: false,
  live: true,
  ...over
})
/** host-a and host-b with an IOMMU and 2 VFs, host-c without either; one running web VM on host-a. */
const base = (): PlanInput => ({ hosts: [host('host-a'), host('host-b'), host('host-c', { iommu: false, sriovVfs: 0 })], vms: [vm('web', 'host-a')] })
const cellOf = (input: PlanInput, id: string, nic: 'emulated' | 'virtio' | 'sriov-vf' | 'vf-failover') =>
  planCell(input, input.vms.find((v) => v.id === id) ?? expect.unreachable(), nic)
const verdict = (c: ReturnType<typeof planCell>, hostId: string) => c.hosts.find((h) => h.hostId === hostId) ?? expect.unreachable()

describe('planner on an edited cluster', () => {
  it('virtio and emulated go anywhere; a VF is pinned by the migration\'s passthrough blocker; failover needs a VF at the destination', () => {
    const input = base()
    expect(cellOf(input, 'web', 'virtio').kind).toBe('anywhere')
    expect(cellOf(input, 'web', 'emulated').kind).toBe('anywhere')
    const vf = cellOf(input, 'web', 'sriov-vf')
    expect(vf.kind).toBe('pinned')
    expect(verdict(vf, 'host-b').move).toEqual([{ code: 'MIGRATION_BLOCKED_PASSTHROUGH', params: { device: 'nic0', kind: 'sriov-vf' } }])
    expect(verdict(vf, 'host-b').run).toEqual([])
    expect(verdict(vf, 'host-a').move).toBeNull()
    const fo = cellOf(input, 'web', 'vf-failover')
    expect(fo.kind).toBe('some')
    expect(verdict(fo, 'host-b').move).toEqual([])
    expect(verdict(fo, 'host-c').move).toEqual([{ code: 'MIGRATION_DEST_LACKS_CAPABILITY', params: { host: 'host-c', capability: 'nic:sriov-vf' } }])
    expect(verdict(fo, 'host-c').run).toEqual([{ code: 'IO_NO_IOMMU', params: { host: 'host-c', nic: 'vf-failover' } }])
  })

  it('a host edited to have no IOMMU cannot give its VM a VF: the cell is unavailable and says why', () => {
    const input = base()
    input.hosts[0] = host('host-a', { iommu: false })
    const vf = cellOf(input, 'web', 'sriov-vf')
    expect(vf.kind).toBe('unavailable')
    expect(verdict(vf, 'host-a').run).toEqual([{ code: 'IO_NO_IOMMU', params: { host: 'host-a', nic: 'sriov-vf' } }])
    expect(verdict(vf, 'host-b').run).toEqual([]) // it could start there with a VF
    expect(verdict(vf, 'host-b').move).toEqual([{ code: 'IO_NO_IOMMU', params: { host: 'host-a', nic: 'sriov-vf' } }])
    expect(cellOf(input, 'web', 'virtio').kind).toBe('anywhere')
  })

  it('VFs exhausted on host-b: failover cannot go there, and a VF VM cannot start there', () => {
    const input = base()
    input.vms.push(vm('f1', 'host-b', { nic: 'sriov-vf', live: false }), vm('f2', 'host-b', { nic: 'vf-failover', live: false }))
    const fo = cellOf(input, 'web', 'vf-failover')
    expect(fo.kind).toBe('pinned')
    expect(verdict(fo, 'host-b').move).toEqual([{ code: 'IO_NO_FREE_VF', params: { host: 'host-b', nic: 'vf-failover', total: 2 } }])
    expect(verdict(fo, 'host-b').run).toEqual([{ code: 'IO_NO_FREE_VF', params: { host: 'host-b', nic: 'vf-failover', total: 2 } }])
    // f1 itself keeps its own VF: on host-b it may stay (it does not compete with itself)
    expect(verdict(cellOf(input, 'f1', 'sriov-vf'), 'host-b').run).toEqual([])
    // freeing one VF (f2 back to virtio) lets failover move there again
    input.vms[2] = { ...input.vms[2], nic: 'virtio' }
    expect(verdict(cellOf(input, 'web', 'vf-failover'), 'host-b').move).toEqual([])
  })

  it('memory full on host-b while a big VM runs there; the same VM stopped leaves room', () => {
    const input = base()
    input.vms.push(vm('big', 'host-b', { memoryMiB: 1900 }))
    const v = cellOf(input, 'web', 'virtio')
    expect(v.kind).toBe('some')
    expect(verdict(v, 'host-b').move).toEqual([{ code: 'MIGRATION_DEST_NO_MEMORY', params: { host: 'host-b', needed: 256 * MIB, available: 148 * MIB } }])
    expect(verdict(v, 'host-b').run).toEqual([{ code: 'HOST_OUT_OF_MEMORY', params: { host: 'host-b', requested: 256, free: 148 } }])
    expect(verdict(v, 'host-c').move).toEqual([])
    input.vms[1] = { ...input.vms[1], live: false }
    expect(cellOf(input, 'web', 'virtio').kind).toBe('anywhere')
  })

  it('more vCPUs than a host has cores: refused there with the wizard\'s code', () => {
    const input = base()
    input.hosts[2] = host('host-c', { iommu: false, sriovVfs: 0, cores: 1 })
    input.vms[0] = vm('web', 'host-a', { vcpus: 2 })
    const v = verdict(cellOf(input, 'web', 'virtio'), 'host-c')
    expect(v.run).toEqual([{ code: 'VM_VCPUS_OVER_HOST', params: { host: 'host-c', cores: 1 } }])
    expect(v.move).toEqual([{ code: 'VM_VCPUS_OVER_HOST', params: { host: 'host-c', cores: 1 } }])
  })

  it('a VM whose host is gone cannot have any NIC where it is, and says where it could start', () => {
    const input = base()
    input.vms[0] = vm('web', 'host-gone')
    const c = cellOf(input, 'web', 'virtio')
    expect(c.kind).toBe('unavailable')
    expect(c.hosts.map((h) => [h.hostId, h.run.length])).toEqual([
      ['host-a', 0],
      ['host-b', 0],
      ['host-c', 0]
    ])
  })

  it('asks the migration\'s rule table: a blocker registered there pins every NIC choice', () => {
    const input = base()
    const off = registerMigrationBlocker((d) => (d.name === 'web' ? [{ code: 'TEST_BLOCKER', params: { vm: d.name } }] : []))
    try {
      expect(planCluster(input).cells.map((c) => c.kind)).toEqual(['pinned', 'pinned', 'pinned', 'pinned'])
    } finally {
      off()
    }
    expect(planCluster(input).cells.map((c) => c.kind)).toEqual(['anywhere', 'anywhere', 'pinned', 'some'])
  })

  it('summarises per NIC choice and exports one CSV line per VM, NIC and host', () => {
    const input = base()
    input.hosts[0] = host('host-a', { iommu: false, sriovVfs: 0 })
    input.vms.push(vm('db', 'host-b'), vm('lab', 'host-c'))
    const p = planCluster(input)
    const s = (nic: string) => p.summary.find((x) => x.nic === nic) ?? expect.unreachable()
    expect(s('virtio')).toEqual({ nic: 'virtio', vms: 3, anywhere: 3, some: 0, pinned: 0, unavailable: 0 })
    // only host-b can give a VF: web and lab cannot have one where they are, db can but is pinned
    expect(s('sriov-vf')).toEqual({ nic: 'sriov-vf', vms: 3, anywhere: 0, some: 0, pinned: 1, unavailable: 2 })
    // failover on host-b: no other host has a VF to rebuild the pair with
    expect(s('vf-failover')).toEqual({ nic: 'vf-failover', vms: 3, anywhere: 0, some: 0, pinned: 1, unavailable: 2 })
    const lines = planCsv(input, p).trimEnd().split('\r\n')
    expect(lines).toHaveLength(1 + 3 * 4 * 3)
    expect(lines[0]).toBe('vm,from,nic,cell,host,can_run,run_refusals,can_migrate,migrate_refusals')
    expect(lines).toContain('db,host-b,sriov-vf,pinned,host-a,no,IO_NO_IOMMU(host=host-a nic=sriov-vf),no,MIGRATION_BLOCKED_PASSTHROUGH(device=nic0 kind=sriov-vf); MIGRATION_DEST_LACKS_CAPABILITY(host=host-a capability=nic:sriov-vf)')
    expect(lines).toContain('db,host-b,virtio,anywhere,host-b,yes,,current,')
  })
})
