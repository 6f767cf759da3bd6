// The I/O-exit lab: the textbook case of turning a million VM exits into a thousand, by running guest code.
//   A: the guest writes N values to a trapping device register: N exits (each an MMIO exit to the device model).
//   B: the guest writes the same values into a directly mapped ring; the VMM polls it on a 1 ms virtual timer:
//      about 1,000 exits per virtual second of work.
// The guest programs are guest/iolab/exitlab.c (resources/guest/iolab/exit-trap.elf, exit-poll.elf). The lab
// counts only what happens between the guest's START and END markers.
import { Vm } from '../../vmm/vm'
import { RAM_BASE } from '../../machine/board'
import { EXIT_REASONS, type ExitReason, type VirtMode, type VmStats } from '../../vmm/api'
import { EngineError } from '../../errors'
import { LAB_BASE, LAB_REG_SIZE, LAB_RING_BASE, LAB_RING_SIZE, LabRegisters, LabRing } from './lab-device'

export type ExitWorkload = 'trap' | 'poll'

export interface ExitLabParams {
  /** Values the guest hands to the device (the 1,000,000). */
  values: number
  /** Rounds of computation per value (about 6 instructions each): the "work" between two device writes. */
  workPerValue: number
  /** Poll period of workload B in virtual cycles (1 ms = 1,000,000 at the 1 GHz nominal clock). */
  pollPeriodCycles: number
  /** Exit cost overrides by name (vmm/costs.ts), shown and editable in the UI. */
  costs?: Record<string, number>
  memoryMiB?: number
  /** Virtualization mode of the lab VM (default hardware-assisted; the direct page works in both). */
  mode?: VirtMode
}

export const DEFAULT_EXIT_LAB: Readonly<ExitLabParams> = Object.freeze({
  values: 1_000_000,
  workPerValue: 40,
  pollPeriodCycles: 1_000_000
})

export interface ExitLabResult {
  workload: ExitWorkload
  mode: VirtMode
  values: number
  /** Values the device model received (all of them, in both workloads). */
  deviceValues: number
  guestChecksum: number
  deviceChecksum: number
  /** VM exits between START and END, in total and by reason. */
  exits: number
  exitsByReason: Partial<Record<ExitReason, number>>
  /** Virtual time between START and END (cycles at 1 GHz: ns). */
  virtualCycles: number
  /** Of that, the modelled cost of the exits: the host CPU time the VMM spent. */
  exitCycles: number
  instructions: number
  exitsPerVirtualSecond: number
  /** Workload B: VMM polls; workload A: 0. */
  polls: number
}

interface Mark {
  stats: VmStats
}

function patchWord(vm: Vm, symbol: string, value: number): void {
  const at = vm.symbols.get(symbol)
  if (at === undefined) throw new EngineError('IOLAB_SYMBOL_MISSING', `lab guest has no symbol ${symbol}`, { symbol })
  new DataView(vm.ram.buffer, vm.ram.byteOffset).setUint32(at - RAM_BASE, value >>> 0, true)
  vm.ramWritten(at - RAM_BASE, 4)
}

function totalExits(s: VmStats): number {
  return EXIT_REASONS.reduce((n, r) => n + (s.exits[r] ?? 0), 0)
}

/** Run one workload to completion on a fresh VM (params.mode, hardware-assisted by default). `elf` is exit-trap.elf (A) or exit-poll.elf (B). */
export function runExitWorkload(workload: ExitWorkload, elf: Uint8Array, params: ExitLabParams): ExitLabResult {
  return drain(exitWorkloadSteps(workload, elf, params))
}

/** Run a lab generator to its end (synchronously). */
export function drain<R>(g: Generator<number, R>): R {
  for (;;) {
    const r = g.next()
    if (r.done) return r.value
  }
}

/** The same run in slices: yields the guest instructions executed so far every few million, so a caller (the
 * service) can let other work run in between; returns the result. */
export function* exitWorkloadSteps(workload: ExitWorkload, elf: Uint8Array, params: ExitLabParams): Generator<number, ExitLabResult> {
  if (!Number.isInteger(params.values) || params.values < 1) {
    throw new EngineError('IOLAB_BAD_PARAM', 'values must be a positive integer', { name: 'values', value: params.values })
  }
  if (!(params.pollPeriodCycles >= 1000)) {
    throw new EngineError('IOLAB_BAD_PARAM', 'poll period must be at least 1 µs', { name: 'pollPeriodCycles', value: params.pollPeriodCycles })
  }
  const vm = new Vm(
    { name: `iolab-${workload}`, memoryMiB: params.memoryMiB ?? 4, mode: params.mode ?? 'hardware-assisted', nic: 'none', vtpm: false, costs: params.costs },
    elf
  )
  patchWord(vm, 'values', params.values)
  patchWord(vm, 'work_per_value', params.workPerValue)
  let start: Mark | null = null
  let end: Mark | null = null
  let guestSum = 0
  const ring = new LabRing()
  const regs = new LabRegisters({
    onStart: () => {
      start = { stats: vm.stats() }
      if (workload === 'poll') vm.setHostTimer(params.pollPeriodCycles, () => ring.drain(), vm.costs.userspaceExit)
    },
    onEnd: (sum) => {
      end = { stats: vm.stats() }
      guestSum = sum
      vm.setHostTimer(null)
    }
  })
  vm.attachDevice('iolab-regs', LAB_BASE, LAB_REG_SIZE, regs)
  vm.mapDirect('iolab-ring', LAB_RING_BASE, LAB_RING_SIZE, ring)

  const maxSteps = 1_000_000
  for (let i = 0; i < maxSteps && vm.halt === null; i++) {
    vm.step(5_000_000)
    yield vm.stats().instructions
  }
  if (vm.halt?.kind !== 'poweroff' || start === null || end === null) {
    throw new EngineError('IOLAB_GUEST_FAILED', `lab guest did not finish (${vm.halt?.code ?? vm.halt?.kind ?? 'still running'})`, {
      workload,
      halt: vm.halt?.code ?? vm.halt?.kind ?? 'running'
    })
  }
  const s = (start as Mark).stats
  const e = (end as Mark).stats
  const byReason: Partial<Record<ExitReason, number>> = {}
  for (const r of EXIT_REASONS) {
    const d = (e.exits[r] ?? 0) - (s.exits[r] ?? 0)
    if (d) byReason[r] = d
  }
  // the START store itself exits after its handler took the snapshot: it is not part of the work
  byReason.mmio = (byReason.mmio ?? 0) - 1
  if (byReason.mmio === 0) delete byReason.mmio
  const startExitCost = vm.costs.vmExit + vm.costs.insnEmulation + vm.costs.userspaceExit
  const exits = totalExits(e) - totalExits(s) - 1
  const virtualCycles = e.virtualCycles - s.virtualCycles - startExitCost
  return {
    workload,
    mode: vm.config.mode,
    values: params.values,
    deviceValues: workload === 'trap' ? regs.received : ring.received,
    guestChecksum: guestSum,
    deviceChecksum: workload === 'trap' ? regs.sum : ring.sum,
    exits,
    exitsByReason: byReason,
    virtualCycles,
    exitCycles: e.exitCycles - s.exitCycles - startExitCost,
    instructions: e.instructions - s.instructions,
    exitsPerVirtualSecond: (exits * 1e9) / virtualCycles,
    polls: ring.polls
  }
}

export interface ExitLabComparison {
  a: ExitLabResult
  b: ExitLabResult
  /** How many times fewer exits B took. */
  exitReduction: number
  /** How many times less virtual time B took. */
  speedup: number
}

export function compareExitWorkloads(trapElf: Uint8Array, pollElf: Uint8Array, params: ExitLabParams = DEFAULT_EXIT_LAB): ExitLabComparison {
  const a = runExitWorkload('trap', trapElf, params)
  const b = runExitWorkload('poll', pollElf, params)
  return { a, b, exitReduction: a.exits / Math.max(1, b.exits), speedup: a.virtualCycles / b.virtualCycles }
}
