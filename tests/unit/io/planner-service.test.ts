// The planner through the service's dispatch, on the service's own state: the teaching-lab preset loaded into the
// Hosts, VMs created and started there (synthetic guests: the rules, not the guest, are under test), a host
// edited; io.plan answers from those and agrees with the migration's own preflight.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../src/main/service/dispatch'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { migrationsOf } from '../../../src/main/service/migrations'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import { PlanResponseSchema, type PlanResponseDto } from '../../../src/shared/contract/io'
import type { CommandName, ErrorPayload, NicModel, RequestOf, ResponseOf } from '../../../src/shared/contract'
import { ROOT } from '../service/helpers'

const dir = mkdtempSync(join(tmpdir(), 'wb-planner-'))
mkdirSync(join(dir, 'guest'))
writeFileSync(join(dir, 'guest', 'demo.elf'), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]))
const service = new WorkbenchService({
  dataDir: dir,
  guestDir: join(dir, 'guest'),
  hostWorker: sourceWorkerEntry(ROOT, resolve(__dirname, '../service/synthetic-vm.ts')),
  batchHz: 20
})
afterAll(async () => {
  await service.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A command through dispatch: its value, or the error it was refused with. */
async function send<N extends CommandName>(command: N, payload: RequestOf<N>): Promise<{ value?: ResponseOf<N>; error?: ErrorPayload }> {
  const r = await dispatch(service, { kind: 'call', id: 1, command, payload })
  if (r.kind !== 'result') throw new Error('protocol error')
  return r.ok ? { value: r.value as ResponseOf<N> } : { error: r.error }
}
async function must<N extends CommandName>(command: N, payload: RequestOf<N>): Promise<ResponseOf<N>> {
  const r = await send(command, payload)
  if (!r.value) throw new Error(`${command}: ${JSON.stringify(r.error)}`)
  return r.value
}

async function vm(name: string, hostId: string, nic: NicModel, memoryMiB = 64): Promise<string> {
  const v = await must('vms.create', { name, hostId, nic, memoryMiB, vcpus: 1, image: 'demo.elf', mode: 'hardware-assisted', vtpm: false })
  return v.id
}

async function plan(whatIf?: RequestOf<'io.plan'>['whatIf']): Promise<PlanResponseDto> {
  return PlanResponseSchema.parse(await must('io.plan', whatIf ? { whatIf } : {}))
}

function cell(p: PlanResponseDto, vmName: string, nic: string) {
  const id = p.vms.find((v) => v.name === vmName)?.id
  return p.cells.find((c) => c.vmId === id && c.nic === nic) ?? expect.unreachable()
}
const at = (c: ReturnType<typeof cell>, hostId: string) => c.hosts.find((h) => h.hostId === hostId) ?? expect.unreachable()

describe('io.plan on the service state', () => {
  const ids: Record<string, string> = {}

  it('plans the hosts and VMs of the app, after the teaching-lab preset was loaded into the Hosts', async () => {
    await must('hosts.loadPreset', { preset: 'teaching-lab' })
    ids.web1 = await vm('web-1', 'lab-a', 'sriov-vf')
    ids.web2 = await vm('web-2', 'lab-a', 'vf-failover')
    ids.db1 = await vm('db-1', 'lab-b', 'sriov-vf')
    ids.db2 = await vm('db-2', 'lab-b', 'vf-failover')
    ids.student = await vm('student-1', 'lab-c', 'virtio')
    await must('vms.start', { id: ids.web2 })
    await must('vms.start', { id: ids.student })

    const p = await plan()
    expect(p.hosts.map((h) => [h.id, h.iommu, h.sriovVfs, h.usedVfs])).toEqual([
      ['lab-a', true, 4, 2],
      ['lab-b', true, 2, 2],
      ['lab-c', false, 0, 0],
      ['lab-d', false, 0, 0]
    ])
    expect(p.vms.map((v) => [v.name, v.state])).toEqual([
      ['web-1', 'stopped'],
      ['web-2', 'running'],
      ['db-1', 'stopped'],
      ['db-2', 'stopped'],
      ['student-1', 'running']
    ])
    // lab-b's two VFs are held by db-1 and db-2; lab-c and lab-d have no IOMMU: web-2's failover pair is pinned
    const fo = cell(p, 'web-2', 'vf-failover')
    expect(fo.kind).toBe('pinned')
    expect(at(fo, 'lab-b').move).toEqual([{ code: 'IO_NO_FREE_VF', params: { host: 'lab-b', nic: 'vf-failover', total: 2 } }])
    expect(at(fo, 'lab-c').move).toEqual([{ code: 'MIGRATION_DEST_LACKS_CAPABILITY', params: { host: 'lab-c', capability: 'nic:sriov-vf' } }])
    expect(p.summary.find((s) => s.nic === 'virtio')).toEqual({ nic: 'virtio', vms: 5, anywhere: 5, some: 0, pinned: 0, unavailable: 0 })
    expect(p.summary.find((s) => s.nic === 'sriov-vf')).toEqual({ nic: 'sriov-vf', vms: 5, anywhere: 0, some: 0, pinned: 4, unavailable: 1 })
    expect(p.csv.trimEnd().split('\r\n')).toHaveLength(1 + 5 * 4 * 4)
  })

  it('agrees with the migration preflight for every running VM and host', async () => {
    const p = await plan()
    for (const v of p.vms.filter((x) => x.state === 'running')) {
      const c = cell(p, v.name, v.nic)
      for (const h of c.hosts.filter((x) => x.move !== null)) {
        for (const reason of migrationsOf(service).preflight(v.id, h.hostId)) expect(h.move).toContainEqual(reason)
      }
    }
  })

  it('follows a host edit: lab-d shrunk under a big running VM is full for student-1, and freeing a VF on lab-b opens it', async () => {
    ids.big = await vm('big', 'lab-d', 'emulated', 1024)
    await must('vms.start', { id: ids.big })
    await must('hosts.update', { id: 'lab-d', name: 'lab-d', cores: 4, memoryMiB: 1060, iommu: false, sriovVfs: 0 })
    let p = await plan()
    const student = cell(p, 'student-1', 'virtio')
    expect(student.kind).toBe('some')
    expect(at(student, 'lab-d').move).toEqual([{ code: 'MIGRATION_DEST_NO_MEMORY', params: { host: 'lab-d', needed: 64 * 1024 * 1024, available: 36 * 1024 * 1024 } }])
    expect(at(student, 'lab-d').run).toEqual([{ code: 'HOST_OUT_OF_MEMORY', params: { host: 'lab-d', requested: 64, free: 36 } }])
    expect(migrationsOf(service).preflight(ids.student, 'lab-d')).toEqual(at(student, 'lab-d').move)

    await must('vms.delete', { id: ids.db1 })
    p = await plan()
    expect(at(cell(p, 'web-2', 'vf-failover'), 'lab-b').move).toEqual([])
    expect(cell(p, 'web-2', 'vf-failover').kind).toBe('some')
  })

  it('plans what-if VMs without letting them take anything, and refuses an unknown host', async () => {
    const p = await plan([{ name: 'extra', hostId: 'lab-a', vcpus: 1, memoryMiB: 512 }])
    const extra = p.vms.find((v) => v.name === 'extra') ?? expect.unreachable()
    expect(extra).toMatchObject({ id: 'what-if-1', state: null, nic: 'none' })
    expect(cell(p, 'extra', 'sriov-vf').kind).toBe('pinned')
    expect(at(cell(p, 'extra', 'virtio'), 'lab-d').move).toEqual([
      { code: 'MIGRATION_DEST_NO_MEMORY', params: { host: 'lab-d', needed: 512 * 1024 * 1024, available: 36 * 1024 * 1024 } }
    ])
    expect(p.hosts.find((h) => h.id === 'lab-a')?.usedVfs).toBe(2)
    expect((await send('io.plan', { whatIf: [{ name: 'x', hostId: 'nope', vcpus: 1, memoryMiB: 64 }] })).error).toEqual({ code: 'HOST_NOT_FOUND', params: { id: 'nope' } })
    expect((await send('io.plan', { whatIf: [{ name: 'x', hostId: 'lab-a', vcpus: 1, memoryMiB: 4096 }] })).error?.code).toBe('REQUEST_INVALID')
  })
})
