// The io.* command handlers against a minimal service (guest dir = resources/guest): responses pass the
// contract's schemas, the service yields to its event loop while a lab runs, missing images give a coded error.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ioHandlers as h } from '../../../src/main/service/handlers/io'
import { ExitLabResponseSchema, NetLabResponseSchema, PlanResponseSchema } from '../../../src/shared/contract/io'
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

  it('io.plan returns the teaching lab with refusal codes', async () => {
    const r = await h['io.plan']({}, s)
    expect(PlanResponseSchema.parse(r)).toEqual(r)
    expect(r.rows.find((x) => x.vm === 'web-1' && x.nic === 'sriov-vf')?.reachable).toBe(0)
  })

  it('a missing lab image is a coded error', async () => {
    await expect(h['io.exitLab']({ values: 10, workPerValue: 1, pollPeriodUs: 1000, costs }, svc('/nonexistent'))).rejects.toMatchObject({
      code: 'IOLAB_IMAGE_MISSING'
    })
  })
})
