// I/O virtualization labs (issue 7). The labs run guest code on the engine for seconds of CPU: they run as
// generators, and the handler yields to the event loop every few milliseconds so the service stays responsive.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { ioCommands, IoCostsDto, NetLabRowDto } from '../../../shared/contract'
import { WorkbenchError } from '../../../shared/errors'
import { exitWorkloadSteps, type ExitLabResult } from '../../engine/labs/io/exit-lab'
import { NET_LAB_COLUMNS, NET_PATHS, netLabImage, netPathSteps, toCsv, type NetLabRow, type NetPath } from '../../engine/labs/io/net-lab'
import { planCluster, planCsv, teachingLabCluster, type PlanInput } from '../../engine/cluster/planner'
import { NIC_CHOICES, checkNicChoice, explainNic, type NicChoice } from '../../engine/cluster/capabilities'
import type { VirtMode } from '../../engine/vmm/api'
import type { WorkbenchService } from '../workbench-service'
import type { Handlers } from './types'

const SLICE_MS = 30

/** Drive a lab generator, giving the event loop a turn every SLICE_MS of work. */
async function drive<R>(g: Generator<number, R>): Promise<R> {
  let t = performance.now()
  for (;;) {
    const r = g.next()
    if (r.done) return r.value
    if (performance.now() - t > SLICE_MS) {
      await new Promise<void>((res) => setImmediate(res))
      t = performance.now()
    }
  }
}

function image(s: WorkbenchService, name: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(join(s.opts.guestDir, 'iolab', name)))
  } catch {
    throw new WorkbenchError('IOLAB_IMAGE_MISSING', { image: `iolab/${name}` })
  }
}

function costs(c: IoCostsDto): Record<string, number> {
  return { vmExit: c.vmExit, insnEmulation: c.insnEmulation, userspaceExit: c.userspaceExit }
}

function exitDto(r: ExitLabResult): ExitLabResult & { exitsByReason: Record<string, number> } {
  return { ...r, exitsByReason: { ...r.exitsByReason } as Record<string, number> }
}

/** The wizard's figures: a short run of the network lab per path and mode (deterministic with the default
 * costs, so measured once per service). */
const NIC_COST_RUN = { packets: 160, pings: 16, frameSize: 64 }
const measuredByMode = new Map<VirtMode, Promise<Map<NetPath, NetLabRow>>>()

function measuredPaths(s: WorkbenchService, mode: VirtMode): Promise<Map<NetPath, NetLabRow>> {
  let p = measuredByMode.get(mode)
  if (!p) {
    p = (async () => {
      const rows = new Map<NetPath, NetLabRow>()
      for (const path of NET_PATHS) rows.set(path, await drive(netPathSteps(path, image(s, netLabImage(path)), { ...NIC_COST_RUN, mode })))
      return rows
    })()
    p.catch(() => measuredByMode.delete(mode))
    measuredByMode.set(mode, p)
  }
  return p
}

const PATH_OF: Record<NicChoice, NetPath> = { emulated: 'emulated', virtio: 'virtio', 'sriov-vf': 'sriov-vf', 'vf-failover': 'sriov-vf' }

export const ioHandlers: Handlers<keyof typeof ioCommands> = {
  'io.nicCosts': async (req, s) => {
    const host = s.hostList().find((h) => h.id === req.hostId)
    if (!host) throw new WorkbenchError('HOST_NOT_FOUND', { id: req.hostId })
    const measured = await measuredPaths(s, req.mode)
    const usage = { vfsInUse: host.usedVfs, coresInUse: 0, memoryInUseMiB: host.usedMemoryMiB }
    return {
      host: host.name,
      mode: req.mode,
      choices: NIC_CHOICES.map((nic) => {
        const { exitsPerPacket, interrupts, migratable, needs } = explainNic(nic)
        const row = measured.get(PATH_OF[nic]) as NetLabRow
        return {
          nic,
          measuredPath: PATH_OF[nic],
          measured: { exitsPerPacket: row.exitsPerPacket, exitsPerRoundTrip: row.exitsPerRoundTrip, rttMeanNs: row.rttMeanNs, packetsPerSecond: row.packetsPerSecond },
          kind: { exitsPerPacket, interrupts, migratable, needs },
          refusal: checkNicChoice(host, usage, nic)
        }
      })
    }
  },
  'io.exitLab': async (req, s) => {
    const params = { values: req.values, workPerValue: req.workPerValue, pollPeriodCycles: req.pollPeriodUs * 1000, costs: costs(req.costs), mode: req.mode }
    const t0 = performance.now()
    const a = await drive(exitWorkloadSteps('trap', image(s, 'exit-trap.elf'), params))
    const t1 = performance.now()
    const b = await drive(exitWorkloadSteps('poll', image(s, 'exit-poll.elf'), params))
    const t2 = performance.now()
    return {
      a: exitDto(a),
      b: exitDto(b),
      exitReduction: a.exits / Math.max(1, b.exits),
      speedup: a.virtualCycles / b.virtualCycles,
      wallMs: { a: Math.round(t1 - t0), b: Math.round(t2 - t1) }
    }
  },
  'io.netLab': async (req, s) => {
    const rows: NetLabRow[] = []
    for (const path of NET_PATHS) {
      const params = { packets: req.packets, pings: req.pings, frameSize: req.frameSize, costs: costs(req.costs), mode: req.mode }
      rows.push(await drive(netPathSteps(path, image(s, netLabImage(path)), params)))
    }
    return { rows: rows as NetLabRowDto[], csv: toCsv(rows, NET_LAB_COLUMNS) }
  },
  'io.plan': (req, s) => {
    const hosts = s.hostList()
    const vms = s.vms.list()
    const input: PlanInput = {
      hosts: hosts.map((h) => ({ id: h.id, name: h.name, iommu: h.iommu, sriovVfs: h.sriovVfs, cores: h.cores, memoryMiB: h.memoryMiB })),
      vms: vms.map((v) => {
        const state = s.vms.rt(v.id).state
        return { id: v.id, name: v.name, hostId: v.hostId, vcpus: v.vcpus, memoryMiB: v.memoryMiB, nic: v.nic, mode: v.mode, vtpm: v.vtpm, live: state === 'running' || state === 'paused' }
      })
    }
    // what-if VMs hold nothing (not live, no NIC): they are asked about, never in the way of the others
    const whatIf = (req.whatIf ?? []).map((w, i) => ({ ...w, id: `what-if-${i + 1}`, nic: 'none' as const, mode: 'hardware-assisted' as const, vtpm: false, live: false }))
    for (const w of whatIf) if (!hosts.some((h) => h.id === w.hostId)) throw new WorkbenchError('HOST_NOT_FOUND', { id: w.hostId })
    input.vms.push(...whatIf)
    const result = planCluster(input)
    return {
      hosts: hosts.map((h) => ({ id: h.id, name: h.name, iommu: h.iommu, sriovVfs: h.sriovVfs, cores: h.cores, memoryMiB: h.memoryMiB, usedVfs: h.usedVfs, usedMemoryMiB: h.usedMemoryMiB })),
      vms: input.vms.map((v) => ({
        id: v.id,
        name: v.name,
        hostId: v.hostId,
        vcpus: v.vcpus,
        memoryMiB: v.memoryMiB,
        nic: v.nic,
        state: v.id.startsWith('what-if-') ? null : s.vms.rt(v.id).state
      })),
      cells: result.cells,
      summary: result.summary,
      explain: NIC_CHOICES.map((n) => {
        const { nic, exitsPerPacket, interrupts, migratable, needs } = explainNic(n)
        return { nic, exitsPerPacket, interrupts, migratable, needs }
      }),
      samples: teachingLabCluster().vms.map((v) => ({ name: v.name, hostId: v.host, vcpus: v.vcpus, memoryMiB: v.memoryMiB })),
      csv: planCsv(input, result)
    }
  }
}
