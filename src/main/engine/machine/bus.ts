// Physical address space: RAM (fast path, also used directly by the hart) plus memory-mapped devices.
import type { Bus } from '../cpu/types'
import { BusError } from '../cpu/bus-error'
import { allocateGuestRam } from './guest-ram'

export { BusError }

/** A memory-mapped device sees offsets from its base. Values are unsigned, `size` bytes wide. */
export interface MmioDevice {
  read(offset: number, size: 1 | 2 | 4): number
  write(offset: number, size: 1 | 2 | 4, value: number): void
}

interface Region {
  base: number
  end: number
  name: string
  dev: MmioDevice
}

export class SystemBus implements Bus {
  readonly ram: Uint8Array
  private readonly view: DataView
  private readonly ramEnd: number
  private regions: Region[] = []

  constructor(
    readonly ramBase: number,
    ramBytes: number
  ) {
    this.ram = allocateGuestRam(ramBytes) // zeroed; pages already mapped when it comes from the pool
    this.view = new DataView(this.ram.buffer)
    this.ramEnd = ramBase + ramBytes
  }

  map(name: string, base: number, size: number, dev: MmioDevice): void {
    this.regions.push({ base, end: base + size, name, dev })
    this.regions.sort((a, b) => a.base - b.base)
  }

  /** The device mapped at `addr`, with its region, or undefined. */
  find(addr: number): Region | undefined {
    for (const r of this.regions) if (addr >= r.base && addr < r.end) return r
    return undefined
  }

  isRam(addr: number, size = 1): boolean {
    return addr >= this.ramBase && addr + size <= this.ramEnd
  }

  read(addr: number, size: 1 | 2 | 4): number {
    addr >>>= 0
    if (addr >= this.ramBase && addr + size <= this.ramEnd) {
      const o = addr - this.ramBase
      if (size === 4) return this.view.getUint32(o, true)
      if (size === 2) return this.view.getUint16(o, true)
      return this.ram[o]
    }
    const r = this.find(addr)
    if (!r) throw new BusError(addr)
    return r.dev.read(addr - r.base, size) >>> 0
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    addr >>>= 0
    if (addr >= this.ramBase && addr + size <= this.ramEnd) {
      const o = addr - this.ramBase
      if (size === 4) this.view.setUint32(o, value >>> 0, true)
      else if (size === 2) this.view.setUint16(o, value & 0xffff, true)
      else this.ram[o] = value & 0xff
      return
    }
    const r = this.find(addr)
    if (!r) throw new BusError(addr)
    r.dev.write(addr - r.base, size, value >>> 0)
  }
}
