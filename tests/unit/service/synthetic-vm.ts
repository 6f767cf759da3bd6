// A small synthetic VmInstance for testing the scheduler and the service plumbing independently of the VMM:
// it "executes" by counting, prints a banner, echoes typed bytes upper-cased, and powers off on 'q'.
// The real guest runs in service-engine.test.ts and the e2e test.
import { EXIT_REASONS } from '../../../src/main/engine/vmm/api'
import type { ExitReason, VmConfig, VmHalt, VmInstance, VmStats, VmStepResult } from '../../../src/main/engine/vmm/api'
import type { VmMachineState } from '../../../src/main/engine/vmm/vm-state'

export function createVm(config: VmConfig, elf: Uint8Array): VmInstance {
  if (elf.length < 4 || elf[0] !== 0x7f || elf[1] !== 0x45) throw Object.assign(new Error('bad elf'), { code: 'ELF_BAD_MAGIC', params: {} })
  let out: number[] = [...new TextEncoder().encode(`synthetic ${config.name} ${config.mode}\r\n`)]
  const input: number[] = []
  let instructions = 0
  let halt: VmHalt | null = null
  const exits = Object.fromEntries(EXIT_REASONS.map((r) => [r, 0])) as Record<ExitReason, number>
  const stats = (): VmStats => ({ instructions, virtualCycles: instructions + exits.sbi * 1000, exits: { ...exits }, exitCycles: exits.sbi * 1000, dirtyPages: Math.floor(instructions / 4096) })
  const vm: VmInstance = {
    config,
    ram: new Uint8Array(4096),
    dirtyLog: { start() {}, collect: () => new Uint32Array(0), stop() {} },
    get virtualCycles() {
      return stats().virtualCycles
    },
    runFor() {},
    saveState(): VmMachineState {
      throw new Error('not used')
    },
    loadState() {},
    step(max: number): VmStepResult {
      if (halt) return { executed: 0, status: 'halted' }
      instructions += max
      exits.timer += 1
      while (input.length > 0) {
        const b = input.shift() as number
        exits.sbi++
        if (b === 0x71) {
          halt = { kind: 'poweroff', exitCode: 0 }
          return { executed: max, status: 'halted' }
        }
        out.push(b >= 0x61 && b <= 0x7a ? b - 32 : b)
      }
      return { executed: max, status: 'ok' }
    },
    sendSerial(bytes: Uint8Array) {
      input.push(...bytes)
    },
    drainSerial() {
      const b = Uint8Array.from(out)
      out = []
      return b
    },
    stats,
    get halt() {
      return halt
    },
    symbols: new Map()
  }
  return vm
}
