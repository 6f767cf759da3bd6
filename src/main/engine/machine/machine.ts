// The bare-metal machine: QEMU `virt` board + one hart, booted like
// `qemu-system-riscv32 -machine virt -bios none -kernel x.elf`: M-mode at the ELF entry, a0 = hartid, a1 = 0.
// Runs until the finisher powers off, the guest writes `tohost` (riscv-tests convention), a limit is hit, or the
// hart waits for an interrupt that can never come.
import { Hart } from '../cpu/hart'
import { StopReason } from '../cpu/types'
import { MIP_MEIP, MIP_MSIP, MIP_MTIP, MIP_SEIP } from '../cpu/csr'
import { EngineError } from '../errors'
import { SystemBus } from './bus'
import * as B from './board'
import { parseElf, loadElfIntoRam, type ElfImage } from './elf'
import { Uart16550, type UartState } from '../devices/uart16550'
import { Clint, type ClintState } from '../devices/clint'
import { Plic, type PlicState } from '../devices/plic'
import { Finisher } from '../devices/finisher'
import type { HartState } from '../cpu/types'

export type MachineExit =
  | { kind: 'poweroff'; exitCode: number }
  | { kind: 'tohost'; value: number; passed: boolean; failedTest: number }
  | { kind: 'limit'; limit: 'instructions' | 'time' }
  | { kind: 'idle' }

export interface MachineOptions {
  memoryMiB?: number
  /** Every byte the guest writes to UART0 (default: kept for drainSerial()). */
  onSerial?: (byte: number) => void
  /** Block compilation in the hart (default on; nothing writes this machine's RAM behind the hart's back). */
  jit?: boolean
}

export interface RunLimits {
  maxInstructions?: number
  /** Virtual time limit in cycles (1 GHz: 1e6 cycles per virtual millisecond). */
  maxCycles?: number
}

export interface MachineState {
  hart: HartState
  devices: { uart0: UartState; clint: ClintState; plic: PlicState }
}

/** How many instructions run between checks of tohost and the limits. */
const SLICE = 200_000

export class Machine {
  readonly bus: SystemBus
  readonly hart: Hart
  readonly uart: Uart16550
  readonly clint: Clint
  readonly plic: Plic
  readonly finisher: Finisher
  readonly image: ElfImage
  private readonly tohostAddr: number | undefined
  private serial: number[] = []
  private exit: MachineExit | null = null
  private resetPending = false
  private booted = false

  constructor(elf: Uint8Array | ElfImage, opts: MachineOptions = {}) {
    const mib = opts.memoryMiB ?? B.DEFAULT_MEMORY_MIB
    if (!Number.isInteger(mib) || mib < 1 || mib > B.MAX_MEMORY_MIB) {
      throw new EngineError('MACHINE_BAD_MEMORY_SIZE', `memory size ${mib} MiB is not between 1 and ${B.MAX_MEMORY_MIB}`, { memoryMiB: mib, max: B.MAX_MEMORY_MIB })
    }
    this.image = elf instanceof Uint8Array ? parseElf(elf) : elf
    this.bus = new SystemBus(B.RAM_BASE, mib * 1024 * 1024)
    const hart = (this.hart = new Hart(this.bus))
    hart.jit = opts.jit ?? true
    const onSerial = opts.onSerial ?? ((b: number) => this.serial.push(b))
    this.plic = new Plic((ctx, level) => hart.setInterruptLine(ctx === 0 ? MIP_MEIP : MIP_SEIP, level))
    this.uart = new Uart16550(onSerial, (level) => this.plic.setLevel(B.UART0_IRQ, level))
    this.clint = new Clint({
      cycles: () => hart.now(),
      setMsip: (level) => hart.setInterruptLine(MIP_MSIP, level),
      setMtip: (level) => hart.setInterruptLine(MIP_MTIP, level),
      timerChanged: () => this.planTimer()
    })
    this.finisher = new Finisher((e) => {
      if (e.kind === 'reset') this.resetPending = true
      else this.exit = { kind: 'poweroff', exitCode: e.exitCode }
      hart.halt()
    })
    this.bus.map('finisher', B.FINISHER_BASE, B.FINISHER_SIZE, this.finisher)
    this.bus.map('clint', B.CLINT_BASE, B.CLINT_SIZE, this.clint)
    this.bus.map('plic', B.PLIC_BASE, B.PLIC_SIZE, this.plic)
    this.bus.map('uart0', B.UART0_BASE, B.UART0_SIZE, this.uart)
    hart.timeSource = () => this.clint.mtime()
    hart.onDeadline = () => {
      this.clint.update()
      this.planTimer()
    }
    this.tohostAddr = this.image.symbols.get('tohost')
    this.boot()
  }

  get symbols(): ReadonlyMap<string, number> {
    return this.image.symbols
  }

  /** (Re)loads the image and puts the hart at the entry point in M-mode, a0 = hartid, a1 = 0 (no device tree). */
  private boot(): void {
    // a fresh buffer is already zero (and untouched pages cost no host memory): clear only on reset
    if (this.booted) this.bus.ram.fill(0)
    this.booted = true
    loadElfIntoRam(this.image, this.bus.ram, B.RAM_BASE)
    this.hart.reset(this.image.entry)
    this.hart.x[10] = this.hart.hartId
    this.hart.x[11] = 0
    this.planTimer()
  }

  private planTimer(): void {
    const d = this.clint.deadlineCycles()
    this.hart.deadline = d > this.hart.now() ? d : Infinity
    this.hart.yieldLoop()
  }

  /** Bytes typed on the serial console. */
  sendSerial(bytes: Uint8Array | number[]): number {
    return this.uart.input(bytes)
  }

  /** Serial output collected since the last call (only when no onSerial callback was given). */
  drainSerial(): Uint8Array {
    const out = Uint8Array.from(this.serial)
    this.serial = []
    return out
  }

  private readTohost(): number {
    if (this.tohostAddr === undefined || !this.bus.isRam(this.tohostAddr, 4)) return 0
    return this.bus.read(this.tohostAddr, 4)
  }

  private tohostExit(): MachineExit | null {
    const v = this.readTohost()
    if (v === 0) return null
    return { kind: 'tohost', value: v, passed: v === 1, failedTest: v === 1 ? 0 : v >>> 1 }
  }

  get exited(): MachineExit | null {
    return this.exit
  }

  /** Runs until the guest stops by itself or a limit is reached. */
  run(limits: RunLimits = {}): MachineExit {
    const maxInsns = limits.maxInstructions ?? Infinity
    const maxCycles = limits.maxCycles ?? Infinity
    const hart = this.hart
    const startInsns = hart.instret
    for (;;) {
      if (this.exit) return this.exit
      const left = maxInsns - (hart.instret - startInsns)
      if (left <= 0) return { kind: 'limit', limit: 'instructions' }
      if (hart.cycle >= maxCycles) return { kind: 'limit', limit: 'time' }
      const budget = Math.min(SLICE, left, Math.max(1, maxCycles - hart.cycle))
      const r = hart.run(budget)
      const t = this.tohostExit()
      if (t) return (this.exit = t)
      if (r === StopReason.Halted) {
        if (this.resetPending) {
          this.resetPending = false
          this.boot()
          continue
        }
        if (this.exit) return this.exit
      }
      if (r === StopReason.Wfi) {
        if (hart.deadline === Infinity) return { kind: 'idle' }
        if (hart.deadline > maxCycles) {
          hart.cycle = maxCycles
          return { kind: 'limit', limit: 'time' }
        }
        hart.cycle = Math.max(hart.cycle, hart.deadline) // idle until the timer fires
      }
    }
  }

  saveState(): MachineState {
    return {
      hart: this.hart.saveState(),
      devices: { uart0: this.uart.saveState(), clint: this.clint.saveState(), plic: this.plic.saveState() }
    }
  }

  loadState(s: MachineState): void {
    this.hart.loadState(s.hart)
    this.uart.loadState(s.devices.uart0)
    this.plic.loadState(s.devices.plic)
    this.clint.loadState(s.devices.clint)
  }
}
