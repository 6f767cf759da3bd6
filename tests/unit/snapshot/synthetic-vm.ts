// A small deterministic VM implementing MigratableVm, for snapshot tests and the benchmark: runFor writes
// pseudo-random bytes into a working set of pages (xorshift PRNG seeded per VM), and its "hart", "device",
// "vmm" and "vtpm" state all derive from the PRNG and counters, so any mismatch after a revert shows up.
import { createHash } from 'node:crypto'
import type { DirtyLog, MigratableVm, VmMachineState } from '../../../src/main/engine/vmm/vm-state'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import { toJson } from '../../../src/main/engine/snapshot/state-codec'

export interface SyntheticOptions {
  pages: number
  seed: number
  /** Pages filled with data at creation (the rest stay zero). */
  filledPages?: number
  /** runFor writes land in pages [0, workingSet). */
  workingSet?: number
  /** Virtual cycles per 64-byte write. */
  cyclesPerWrite?: number
  vtpm?: boolean
}

export class SyntheticVm implements MigratableVm {
  readonly ram: Uint8Array
  private rng: number
  private cycles = 0
  private writes = 0
  private tracking = false
  private readonly dirty: Uint8Array
  private readonly workingSet: number
  private readonly cyclesPerWrite: number
  private vtpm: Uint8Array | null
  /** Every page runFor wrote, ever (tests count incremental snapshots with it). */
  readonly touched = new Set<number>()

  constructor(opts: SyntheticOptions) {
    this.ram = new Uint8Array(opts.pages * PAGE_SIZE)
    this.dirty = new Uint8Array(opts.pages)
    this.rng = opts.seed >>> 0 || 1
    this.workingSet = Math.min(opts.pages, opts.workingSet ?? opts.pages)
    this.cyclesPerWrite = opts.cyclesPerWrite ?? 1000
    const filled = opts.filledPages ?? opts.pages
    const words = new Uint32Array(this.ram.buffer, 0, (filled * PAGE_SIZE) / 4)
    for (let i = 0; i < words.length; i++) words[i] = this.next()
    this.vtpm = opts.vtpm ? new Uint8Array(64).map((_, i) => i * 7) : null
  }

  private next(): number {
    let x = this.rng
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    this.rng = x
    return x
  }

  get virtualCycles(): number {
    return this.cycles
  }

  readonly dirtyLog: DirtyLog = {
    start: () => {
      this.tracking = true
      this.dirty.fill(0)
    },
    collect: () => {
      const out: number[] = []
      for (let i = 0; i < this.dirty.length; i++) if (this.dirty[i]) out.push(i)
      this.dirty.fill(0)
      return Uint32Array.from(out)
    },
    stop: () => {
      this.tracking = false
    }
  }

  runFor(cycles: number): void {
    const n = Math.floor(cycles / this.cyclesPerWrite)
    for (let k = 0; k < n; k++) {
      const page = this.next() % this.workingSet
      const off = page * PAGE_SIZE + (this.next() % (PAGE_SIZE / 64)) * 64
      for (let b = 0; b < 64; b += 4) {
        const v = this.next()
        this.ram[off + b] = v & 0xff
        this.ram[off + b + 1] = (v >>> 8) & 0xff
        this.ram[off + b + 2] = (v >>> 16) & 0xff
        this.ram[off + b + 3] = v >>> 24
      }
      this.touched.add(page)
      if (this.tracking) this.dirty[page] = 1
      this.writes++
      if (this.vtpm) this.vtpm[this.writes % this.vtpm.length] ^= 1
    }
    this.cycles += cycles
  }

  saveState(): VmMachineState {
    const x = new Array<number>(32).fill(0)
    for (let i = 1; i < 32; i++) x[i] = (this.rng * i + this.writes) >>> 0
    return {
      version: 1,
      hart: { x, pc: 0x80000000 + (this.writes % 4096) * 4, priv: 1, csr: { sstatus: this.writes & 0xff, satp: 0 }, reservation: -1, instret: this.cycles, cycle: this.cycles, wfi: false },
      devices: { uart0: { lsr: 0x60, fifo: new Uint8Array([this.writes & 0xff, 1, 2]) }, prng: { state: this.rng } },
      vmm: { cycles: this.cycles, writes: this.writes, mode: 'synthetic' },
      vtpm: this.vtpm ? this.vtpm.slice() : null
    }
  }

  loadState(state: VmMachineState): void {
    const dev = state.devices as { prng: { state: number } }
    const vmm = state.vmm as { cycles: number; writes: number }
    this.rng = dev.prng.state
    this.cycles = vmm.cycles
    this.writes = vmm.writes
    this.vtpm = state.vtpm ? state.vtpm.slice() : null
  }
}

/** SHA-256 over RAM and the machine state: equal fingerprints = equal VMs. */
export function fingerprint(vm: MigratableVm): string {
  return createHash('sha256').update(vm.ram).update(JSON.stringify(toJson(vm.saveState()))).digest('hex')
}

/** A fixed clock for deterministic snapshot times. */
export function testClock(start = 1_700_000_000_000): () => number {
  let t = start
  return () => (t += 1000)
}
