// I/O virtualization labs (issue 7). The labs run guest code on the engine for seconds of CPU: they run as
// generators, and the handler yields to the event loop every few milliseconds so the service stays responsive.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { ioCommands, IoCostsDto, NetLabRowDto } from '../../../shared/contract'
import { WorkbenchError } from '../../../shared/errors'
import { exitWorkloadSteps, type ExitLabResult } from '../../engine/labs/io/exit-lab'
import { NET_LAB_COLUMNS, NET_PATHS, netLabImage, netPathSteps, toCsv, type NetLabRow } from '../../engine/labs/io/net-lab'
import { plan, teachingLabCluster } from '../../engine/cluster/planner'
import { NIC_CHOICES, explainNic } from '../../engine/cluster/capabilities'
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

export const ioHandlers: Handlers<keyof typeof ioCommands> = {
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
  'io.plan': () => {
    const cluster = teachingLabCluster()
    return {
      hosts: cluster.hosts,
      vms: cluster.vms,
      rows: plan(cluster),
      explain: NIC_CHOICES.map((n) => {
        const { nic, exitsPerPacket, interrupts, migratable, needs } = explainNic(n)
        return { nic, exitsPerPacket, interrupts, migratable, needs }
      })
    }
  }
}
