// Runs a source and a destination over a real MessageChannel (two ports, frames transferred) in this thread.
import { MessageChannel } from 'node:worker_threads'
import {
  channelFromPort,
  MigrationDestination,
  MigrationSource,
  type DestinationEvent,
  type DestinationOffer,
  type DestinationOutcome,
  type MigrationInfo,
  type MigrationOutcome,
  type MigrationParams,
  type VmDescriptor
} from '../../../src/main/engine/migration'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import { DirtierVm, type DirtierConfig } from './dirtier-vm'

export interface Run {
  outcome: MigrationOutcome
  dest: DestinationOutcome
  progress: MigrationInfo[]
  events: DestinationEvent[]
  destVm: DirtierVm | null
  source: MigrationSource
  serialAtSource: string
}

export function descriptorFor(vm: DirtierVm, extra: Partial<VmDescriptor> = {}): VmDescriptor {
  return { name: 'dirtier', memoryBytes: vm.ram.length, requires: ['mode:hardware-assisted'], devices: [], ...extra }
}

export const OFFER: DestinationOffer = { hostId: 'host-b', freeMemoryBytes: 1 << 30, capabilities: ['mode:hardware-assisted', 'mode:trap-and-emulate', 'vtpm'] }

export async function migrate(
  src: DirtierVm,
  params: Partial<MigrationParams>,
  opts: { offer?: DestinationOffer; descriptor?: VmDescriptor; during?: (s: MigrationSource, info: MigrationInfo) => void } = {}
): Promise<Run> {
  const { port1, port2 } = new MessageChannel()
  const progress: MigrationInfo[] = []
  const events: DestinationEvent[] = []
  let destVm: DirtierVm | null = null
  let serialAtSource = ''
  const destination = new MigrationDestination({
    channel: channelFromPort(port2),
    offer: opts.offer ?? OFFER,
    createVm: (d) => {
      const cfg: DirtierConfig = { ...src.cfg, pages: d.memoryBytes / PAGE_SIZE, empty: true }
      destVm = new DirtierVm(cfg)
      return destVm
    },
    onEvent: (e) => events.push(e)
  })
  const source: MigrationSource = new MigrationSource({
    vm: src,
    channel: channelFromPort(port1),
    hostId: 'host-a',
    descriptor: opts.descriptor ?? descriptorFor(src),
    params,
    verifyRam: 'full', // independent of the written-page records
    onProgress: (info) => {
      progress.push(info)
      opts.during?.(source, info)
    },
    onPause: () => {
      serialAtSource = src.drainSerial()
    }
  })
  const [outcome, dest] = await Promise.all([source.start(), destination.done])
  port1.close()
  port2.close()
  return { outcome, dest, progress, events, destVm: dest.vm ? destVm : null, source, serialAtSource }
}

/** The pre-copy series: round 0 sends every page; each later round sends what was dirtied (capped at the
 * working set) while the previous one was on the link; switch when that fits bandwidth × downtime-limit. */
export function precopySeries(
  ram: Uint8Array,
  workingSet: number,
  rate: number,
  bandwidth: number,
  downtimeMs: number
): { rounds: number[]; downtimeMs: number } {
  const wire = PAGE_SIZE + 5
  const rounds: number[] = []
  const zero = Buffer.alloc(PAGE_SIZE)
  let zeroPages = 0
  for (let o = 0; o < ram.length; o += PAGE_SIZE) if (Buffer.from(ram.buffer, ram.byteOffset + o, PAGE_SIZE).equals(zero)) zeroPages++
  let n = ram.length / PAGE_SIZE
  for (let i = 0; i < 1000; i++) {
    rounds.push(n)
    // round 0 sends zero pages as 5-byte markers
    const bytes = i === 0 ? (n - zeroPages) * wire + zeroPages * 5 : n * wire
    const t = bytes / bandwidth
    const dirtied = Math.min(workingSet, rate * t)
    if (dirtied * wire <= (bandwidth * downtimeMs) / 1000) return { rounds, downtimeMs: ((dirtied * wire) / bandwidth) * 1000 }
    n = dirtied
  }
  throw new Error('series does not converge')
}
