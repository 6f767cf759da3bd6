// A deterministic synthetic guest for migration tests: it dirties a working set of W pages at D pages per
// virtual second (write k goes to page first + k mod W), with an exact dirty log, a serial line every
// `serialEvery` writes, and post-copy missing-page faults. Its whole state is a function of virtual time, so a
// reference copy run for the same cycles must match a migrated one byte for byte.
import { PAGE_SIZE, type DirtyLog, type MigratableVm, type PostcopyTarget, type VmMachineState } from '../../../src/main/engine/vmm/vm-state'

export interface DirtierConfig {
  pages: number
  workingSet: number
  /** Pages dirtied per virtual second. */
  rate: number
  firstPage?: number
  seed?: number
  serialEvery?: number
  /** Leave RAM zero (a destination VM before migration). */
  empty?: boolean
  /** Keep no record of written pages (writtenPages absent): migration must read every page. */
  noRecord?: boolean
}

export class DirtierVm implements MigratableVm, PostcopyTarget {
  readonly ram: Uint8Array
  readonly dirtyLog: DirtyLog
  missingPageFault = -1
  private readonly words: Uint32Array
  private cycles = 0
  private writes = 0
  private tracking = false
  private readonly dirty: Uint8Array
  private missing: Uint8Array | null = null
  private serial = ''
  private readonly first: number
  /** Pages written since RAM was zero (MigratableVm.writtenPages); null = unknown. */
  private written: Uint8Array | null

  constructor(readonly cfg: DirtierConfig) {
    this.ram = new Uint8Array(cfg.pages * PAGE_SIZE)
    this.words = new Uint32Array(this.ram.buffer)
    this.dirty = new Uint8Array(cfg.pages)
    this.first = cfg.firstPage ?? 0
    if (this.first + cfg.workingSet > cfg.pages) throw new RangeError('working set exceeds RAM')
    this.written = new Uint8Array(cfg.pages)
    if (cfg.noRecord) {
      this.writtenPages = undefined
      this.setWrittenPages = undefined
    }
    if (!cfg.empty) {
      const seed = cfg.seed ?? 1
      for (let p = 0; p < cfg.pages; p++) {
        if (p % 4 === 3) continue // every fourth page stays zero (sent as a marker)
        this.written[p] = 1
        const base = p * (PAGE_SIZE / 4)
        for (let w = 0; w < 8; w++) this.words[base + w * 97] = (Math.imul(p + 1, 2654435761) ^ Math.imul(seed, w + 7)) >>> 0
      }
    }
    this.dirtyLog = {
      start: () => {
        this.tracking = true
        this.dirty.fill(0)
      },
      collect: () => {
        let n = 0
        for (let p = 0; p < this.dirty.length; p++) n += this.dirty[p]
        const out = new Uint32Array(n)
        let j = 0
        for (let p = 0; p < this.dirty.length; p++) {
          if (this.dirty[p]) {
            out[j++] = p
            this.dirty[p] = 0
          }
        }
        return out
      },
      stop: () => {
        this.tracking = false
      }
    }
  }

  get virtualCycles(): number {
    return this.cycles
  }

  get totalWrites(): number {
    return this.writes
  }

  runFor(cycles: number): void {
    const { rate, workingSet } = this.cfg
    const target = this.cycles + cycles
    const targetWrites = Math.floor((target * rate) / 1e9)
    const every = this.cfg.serialEvery ?? 0
    while (this.writes < targetWrites) {
      const k = this.writes
      const page = this.first + (k % workingSet)
      if (this.missing && this.missing[page]) {
        this.missingPageFault = page
        this.cycles = Math.max(this.cycles, Math.ceil((k * 1e9) / rate))
        return
      }
      const word = Math.floor(k / workingSet) % (PAGE_SIZE / 4)
      this.words[page * (PAGE_SIZE / 4) + word] = (k + 1) >>> 0
      if (this.written) this.written[page] = 1
      if (this.tracking) this.dirty[page] = 1
      this.writes++
      if (every > 0 && this.writes % every === 0) this.serial += `w=${this.writes}\n`
    }
    this.cycles = target
  }

  drainSerial(): string {
    const s = this.serial
    this.serial = ''
    return s
  }

  saveState(): VmMachineState {
    const x = new Array<number>(32).fill(0)
    x[10] = this.writes >>> 0
    x[11] = Math.floor(this.writes / 2 ** 32)
    return {
      version: 1,
      hart: {
        x,
        pc: (0x80000000 + (this.writes % this.cfg.workingSet) * 4) >>> 0,
        priv: 1,
        csr: { satp: 0, sstatus: 0x22 },
        reservation: -1,
        instret: this.writes,
        cycle: this.cycles,
        wfi: false
      },
      devices: { dirtier: { writes: this.writes, fifo: new Uint8Array([this.writes & 0xff, 1, 2]) } },
      vmm: { cycles: this.cycles, mode: 'synthetic' },
      vtpm: new Uint8Array([0x54, 0x50, 0x4d, (this.cfg.seed ?? 1) & 0xff])
    }
  }

  writtenPages? = (): Uint8Array | null => this.written?.slice() ?? null

  setWrittenPages? = (pages: Uint8Array): void => {
    this.written = pages.slice()
  }

  loadState(state: VmMachineState): void {
    this.written = null // RAM was written behind our back
    const vmm = state.vmm as { cycles: number }
    const dev = state.devices['dirtier'] as { writes: number }
    this.cycles = vmm.cycles
    this.writes = dev.writes
  }

  beginPostcopy(): void {
    this.missing = new Uint8Array(this.cfg.pages).fill(1)
    this.missingPageFault = -1
  }

  installPage(index: number, bytes: Uint8Array): void {
    this.ram.set(bytes, index * PAGE_SIZE)
    if (this.written) this.written[index] = 1
    if (this.missing) this.missing[index] = 0
    if (this.missingPageFault === index) this.missingPageFault = -1
  }

  endPostcopy(): void {
    this.missing = null
    this.missingPageFault = -1
  }
}
