// The network lab: the same guest workload (guest/iolab/netperf.c) over the three NIC paths, each in a
// VM on the real engine, talking through the host switch to the external endpoint:
//   emulated NIC  every register access a trapped exit to the device model
//   virtio-net    rings in guest memory, one notification exit per batch (EVENT_IDX)
//   SR-IOV VF     registers mapped into the guest, DMA through the IOMMU, posted interrupts: no exits
// Phase 1 streams `packets` frames (exits per packet, packets/s); phase 2 ping-pongs `pings` frames (round trip).
// Results are table rows, exportable as CSV. Both virtualization modes: the VF's page is mapped directly in
// either (an EPT window, or shadow leaves pointing at it).
import { Vm } from '../../vmm/vm'
import { RAM_BASE } from '../../machine/board'
import { EXIT_REASONS, type VirtMode, type VmStats } from '../../vmm/api'
import { EngineError } from '../../errors'
import { attachNic } from '../../devices/net/attach'
import { EventQueue } from '../../network/events'
import { syncedDevice } from '../../network/synced-device'
import { VirtualSwitch } from '../../network/switch'
import { ExternalEndpoint } from '../../network/endpoint'
import { macForNic } from '../../network/frame'
import { DEFAULT_NET_COSTS, type NetCosts } from '../../network/costs'
import { LAB_BASE, LAB_REG_SIZE, LabRegisters } from './lab-device'
import { drain } from './exit-lab'

export type NetPath = 'emulated' | 'virtio' | 'sriov-vf'
export const NET_PATHS: readonly NetPath[] = ['emulated', 'virtio', 'sriov-vf']

/** Instructions per run slice: the resolution (1 µs) at which network events meet a guest that polls memory. */
const SLICE = 1000

export interface NetLabParams {
  packets: number
  pings: number
  frameSize: number
  /** Exit cost overrides (vmm/costs.ts names). */
  costs?: Record<string, number>
  net?: Partial<NetCosts>
  /** Virtualization mode of the lab VM (default hardware-assisted). */
  mode?: VirtMode
}

export const DEFAULT_NET_LAB: Readonly<NetLabParams> = Object.freeze({ packets: 2000, pings: 100, frameSize: 64 })

export interface NetLabRow {
  path: NetPath
  mode: VirtMode
  packets: number
  /** Frames the endpoint received in phase 1 (all of them). */
  delivered: number
  exitsPerPacket: number
  /** Modelled host CPU time in exits per packet (virtual cycles). */
  exitCyclesPerPacket: number
  /** Phase 1 throughput as the guest measured it (virtual time). */
  packetsPerSecond: number
  /** One-way latency guest → endpoint, mean over phase 1 frames (ns of virtual time). */
  oneWayLatencyNs: number
  pings: number
  exitsPerRoundTrip: number
  rttMeanNs: number
  rttMinNs: number
  rttMaxNs: number
  postedInterrupts: number
  /** Exits by reason over both phases. */
  exitsByReason: Record<string, number>
}

interface Phase {
  start: VmStats | null
  end: VmStats | null
}

const ELF_FOR: Record<NetPath, string> = { emulated: 'net-emu.elf', virtio: 'net-virtio.elf', 'sriov-vf': 'net-vf.elf' }

/** File name of the guest image for a path (in resources/guest/iolab). */
export function netLabImage(path: NetPath): string {
  return ELF_FOR[path]
}

function word(vm: Vm, symbol: string): DataView & { at: number } {
  const at = vm.symbols.get(symbol)
  if (at === undefined) throw new EngineError('IOLAB_SYMBOL_MISSING', `lab guest has no symbol ${symbol}`, { symbol })
  return Object.assign(new DataView(vm.ram.buffer, vm.ram.byteOffset + at - RAM_BASE, 4), { at })
}

function exitsOf(s: VmStats): number {
  return EXIT_REASONS.reduce((n, r) => n + (s.exits[r] ?? 0), 0)
}

/** Run the workload for one path. */
export function runNetPath(path: NetPath, elf: Uint8Array, params: NetLabParams = DEFAULT_NET_LAB): NetLabRow {
  return drain(netPathSteps(path, elf, params))
}

/** The same run in slices (yields virtual cycles every 2,000 slices) for callers that interleave other work. */
export function* netPathSteps(path: NetPath, elf: Uint8Array, params: NetLabParams = DEFAULT_NET_LAB): Generator<number, NetLabRow> {
  const net: NetCosts = { ...DEFAULT_NET_COSTS, ...params.net }
  const vm = new Vm({ name: `netlab-${path}`, memoryMiB: 4, mode: params.mode ?? 'hardware-assisted', nic: path, vtpm: false, costs: params.costs }, elf)
  word(vm, 'packets').setUint32(0, params.packets, true)
  word(vm, 'pings').setUint32(0, params.pings, true)
  word(vm, 'frame_size').setUint32(0, params.frameSize, true)

  const events = new EventQueue()
  events.clock = () => vm.virtualCycles
  const sw = new VirtualSwitch(events, { perFrameCycles: net.switchPerFrame, linkGbps: net.linkGbps })
  const endpoint = new ExternalEndpoint(events)
  endpoint.turnaroundCycles = net.endpointTurnaround
  endpoint.tx = sw.attach('uplink', endpoint)
  let posted = 0
  const nic = attachNic(vm, path, {
    mac: macForNic(1),
    connect: (rx) => sw.attach('vm', rx, path === 'sriov-vf' ? net.vfSwitchPerFrame : null),
    wrap: (dev) => syncedDevice(dev, events),
    onPostedInterrupt: () => posted++
  })
  const vf = nic?.vf ?? null

  const phases: Phase[] = [
    { start: null, end: null },
    { start: null, end: null }
  ]
  vm.attachDevice(
    'iolab-regs',
    LAB_BASE,
    LAB_REG_SIZE,
    new LabRegisters({
      onStart: (n) => {
        const p = phases[n - 1]
        if (p) p.start = vm.stats()
        if (n === 2) endpoint.mode = 'echo'
      },
      onEnd: () => {
        const p = phases.find((x) => x.start !== null && x.end === null)
        if (p) p.end = vm.stats()
      }
    })
  )

  // Short slices: a frame the guest sends in the middle of a slice is scheduled on the network at once, and its
  // answer must reach the guest's rings on time even while the guest polls memory without exiting.
  for (let i = 0; i < 20_000_000 && vm.halt === null; i++) {
    const next = events.nextAt
    const budget = next === null ? SLICE : Math.max(1, Math.min(SLICE, next - vm.virtualCycles))
    vm.step(budget)
    events.runUntil(vm.virtualCycles)
    if (i % 2000 === 1999) yield vm.virtualCycles
  }
  const [p1, p2] = phases
  if (vm.halt?.kind !== 'poweroff' || vm.halt.exitCode !== 0 || !p1.start || !p1.end || !p2.start || !p2.end) {
    throw new EngineError('IOLAB_GUEST_FAILED', `network lab guest on ${path} did not finish`, { path, halt: vm.halt?.code ?? vm.halt?.kind ?? 'running' })
  }
  // each phase's START store exits after its snapshot: not part of the phase
  const markerCost = vm.costs.vmExit + vm.costs.insnEmulation + vm.costs.userspaceExit
  const txExits = exitsOf(p1.end) - exitsOf(p1.start) - 1
  const txExitCycles = p1.end.exitCycles - p1.start.exitCycles - markerCost
  const rttExits = exitsOf(p2.end) - exitsOf(p2.start) - 1
  const txCycles = word(vm, 'result_tx_cycles').getUint32(0, true)
  const pongs = word(vm, 'result_pongs').getUint32(0, true)
  const byReason: Record<string, number> = {}
  for (const r of EXIT_REASONS) {
    const d = (p2.end.exits[r] ?? 0) - (p1.start.exits[r] ?? 0)
    if (d) byReason[r] = d
  }
  const delivered = endpoint.stats.received - pongs
  return {
    path,
    mode: vm.config.mode,
    packets: params.packets,
    delivered,
    exitsPerPacket: txExits / params.packets,
    exitCyclesPerPacket: txExitCycles / params.packets,
    packetsPerSecond: (params.packets * 1e9) / txCycles,
    oneWayLatencyNs: endpoint.meanLatency(),
    pings: pongs,
    exitsPerRoundTrip: pongs ? rttExits / pongs : 0,
    rttMeanNs: pongs ? (word(vm, 'result_rtt_sum_hi').getUint32(0, true) * 2 ** 32 + word(vm, 'result_rtt_sum').getUint32(0, true)) / pongs : 0,
    rttMinNs: pongs ? word(vm, 'result_rtt_min').getUint32(0, true) : 0,
    rttMaxNs: word(vm, 'result_rtt_max').getUint32(0, true),
    postedInterrupts: vf ? vf.stats.postedInterrupts : posted,
    exitsByReason: byReason
  }
}

/** Run every path with the images `images[path]`. */
export function runNetLab(images: Record<NetPath, Uint8Array>, params: NetLabParams = DEFAULT_NET_LAB): NetLabRow[] {
  return NET_PATHS.map((p) => runNetPath(p, images[p], params))
}

export const NET_LAB_COLUMNS: readonly (keyof NetLabRow)[] = [
  'path',
  'mode',
  'packets',
  'delivered',
  'exitsPerPacket',
  'exitCyclesPerPacket',
  'packetsPerSecond',
  'oneWayLatencyNs',
  'pings',
  'exitsPerRoundTrip',
  'rttMeanNs',
  'rttMinNs',
  'rttMaxNs',
  'postedInterrupts'
]

/** RFC 4180 CSV of any rows (numbers as plain decimals, text quoted when needed). */
export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T)[]): string {
  const cell = (v: unknown): string => {
    const s = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const lines = [columns.map((c) => cell(c)).join(',')]
  for (const r of rows) lines.push(columns.map((c) => cell(r[c])).join(','))
  return lines.join('\r\n') + '\r\n'
}
