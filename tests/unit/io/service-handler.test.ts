// The io.* command handlers against a minimal service (guest dir = resources/guest): responses pass the
// contract's schemas, the service yields to its event loop while a lab runs, missing images give a coded error.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ioHandlers as h } from '../../../src/main/service/handlers/io'
import { ExitLabResponseSchema, NetLabResponseSchema, NicCostsResponseSchema } from '../../../src/shared/contract/io'
import type { Host } from '../../../src/shared/contract'
import type { WorkbenchService } from '../../../src/main/service/workbench-service'

const costs = { vmExit: 1500, insnEmulation: 400, userspaceExit: 5700 }
const svc = (guestDir: string) => ({ opts: { guestDir, dataDir: '/nonexistent' } }) as unknown as WorkbenchService
const s = svc(join(__dirname, '../../../resources/guest'))

describe('io handlers', () => {
  it('io.exitLab runs A and B and lets the event loop run meanwhile', async () => {
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    const r = await h['io.exitLab']({ values: 50_000, workPerValue: 4, pollPeriodUs: 100, costs }, s)
    clearInterval(timer)
    expect(ExitLabResponseSchema.parse(r)).toEqual(r)
    expect(r.a.exits).toBe(50_000)
    expect(r.b.exits).toBe(r.b.polls)
    expect(r.exitReduction).toBeGreaterThan(100)
    expect(ticks).toBeGreaterThan(0)
  }, 60_000)

  it('io.netLab returns three rows and their CSV', async () => {
    const r = await h['io.netLab']({ packets: 64, pings: 4, frameSize: 64, costs }, s)
    expect(NetLabResponseSchema.parse(r)).toEqual(r)
    expect(r.rows.map((x) => x.path)).toEqual(['emulated', 'virtio', 'sriov-vf'])
    expect(r.csv.split('\r\n')[0]).toMatch(/^path,mode,packets,delivered,exitsPerPacket/)
  }, 60_000)

  it('io.nicCosts measures each NIC on the engine in the chosen mode and gives the host refusal', async () => {
    const hosts: Host[] = [
      { id: 'host-a', name: 'host-a', cores: 4, memoryMiB: 2048, iommu: true, sriovVfs: 1, usedMemoryMiB: 0, usedVfs: 1, vmCount: 1, online: true, worker: 'running' },
      { id: 'host-b', name: 'host-b', cores: 2, memoryMiB: 1024, iommu: false, sriovVfs: 0, usedMemoryMiB: 0, usedVfs: 0, vmCount: 0, online: true, worker: 'running' }
    ]
    const withHosts = { ...s, opts: s.opts, hostList: () => hosts } as unknown as WorkbenchService
    const b = await h['io.nicCosts']({ hostId: 'host-b', mode: 'hardware-assisted' }, withHosts)
    expect(NicCostsResponseSchema.parse(b)).toEqual(b)
    const c = (nic: string) => b.choices.find((x) => x.nic === nic) ?? expect.unreachable()
    expect(c('emulated').measured.exitsPerPacket).toBe(3)
    expect(c('virtio').measured.exitsPerPacket).toBeLessThan(0.1)
    expect(c('sriov-vf').measured.exitsPerPacket).toBe(0)
    expect(c('vf-failover').measuredPath).toBe('sriov-vf')
    expect(c('emulated').measured.rttMeanNs).toBeGreaterThan(c('virtio').measured.rttMeanNs)
    expect(c('virtio').measured.rttMeanNs).toBeGreaterThan(c('sriov-vf').measured.rttMeanNs)
    expect(c('sriov-vf').kind.migratable).toBe('no')
    expect(c('vf-failover').kind.migratable).toBe('after-unplug')
    expect(c('virtio').refusal).toBeNull()
    expect(c('sriov-vf').refusal).toEqual({ code: 'IO_NO_IOMMU', params: { host: 'host-b', nic: 'sriov-vf' } })
    const a = await h['io.nicCosts']({ hostId: 'host-a', mode: 'trap-and-emulate' }, withHosts)
    expect(a.mode).toBe('trap-and-emulate')
    expect(a.choices.find((x) => x.nic === 'vf-failover')?.refusal).toMatchObject({ code: 'IO_NO_FREE_VF', params: { host: 'host-a', total: 1 } })
    // trap-and-emulate traps the guest's clock reads too: more exits per packet than hardware-assisted on every path
    for (const nic of ['emulated', 'virtio'] as const) {
      expect(a.choices.find((x) => x.nic === nic)?.measured.exitsPerPacket).toBeGreaterThan(c(nic).measured.exitsPerPacket)
    }
    await expect(h['io.nicCosts']({ hostId: 'nope', mode: 'hardware-assisted' }, withHosts)).rejects.toMatchObject({ code: 'HOST_NOT_FOUND' })
  }, 60_000)

  it('a missing lab image is a coded error', async () => {
    await expect(h['io.exitLab']({ values: 10, workPerValue: 1, pollPeriodUs: 1000, costs }, svc('/nonexistent'))).rejects.toMatchObject({
      code: 'IOLAB_IMAGE_MISSING'
    })
  })
})
