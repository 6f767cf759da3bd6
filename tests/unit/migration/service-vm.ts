// Host-worker VM factory for the service-level migration test: a VmInstance around the synthetic dirtier
// (1 instruction = 1 virtual cycle), printing "w=N" lines every 400 writes on its serial console.
import { EXIT_REASONS, type ExitReason, type VmConfig, type VmInstance, type VmStats } from '../../../src/main/engine/vmm/api'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import { DirtierVm } from './dirtier-vm'

export function createVm(config: VmConfig, _elf: Uint8Array): VmInstance {
  const d = new DirtierVm({ pages: (config.memoryMiB * 1024 * 1024) / PAGE_SIZE, workingSet: 1024, rate: 4000, firstPage: 64, serialEvery: 400 })
  const exits = Object.fromEntries(EXIT_REASONS.map((r) => [r, 0])) as Record<ExitReason, number>
  const stats = (): VmStats => ({ instructions: d.virtualCycles, virtualCycles: d.virtualCycles, exits: { ...exits }, exitCycles: 0, dirtyPages: d.totalWrites })
  return {
    config,
    ram: d.ram,
    dirtyLog: d.dirtyLog,
    get virtualCycles() {
      return d.virtualCycles
    },
    runFor: (c) => d.runFor(c),
    saveState: () => d.saveState(),
    loadState: (s) => d.loadState(s),
    get missingPageFault() {
      return d.missingPageFault
    },
    beginPostcopy: () => d.beginPostcopy(),
    installPage: (i: number, b: Uint8Array) => d.installPage(i, b),
    endPostcopy: () => d.endPostcopy(),
    step(max) {
      d.runFor(max)
      return { executed: max, status: 'ok' }
    },
    sendSerial() {},
    drainSerial: () => new TextEncoder().encode(d.drainSerial()),
    stats,
    halt: null,
    symbols: new Map()
  } as VmInstance
}
