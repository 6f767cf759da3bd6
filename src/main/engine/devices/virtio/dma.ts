// How a device model reaches guest memory (DMA). Device models never touch a Uint8Array directly: they go
// through a DmaSpace, so the same device runs on plain guest RAM (virtio, emulated NIC: the VMM translates
// nothing, guest-physical = the address space the device sees) or behind an IOMMU (SR-IOV VF: the device
// issues I/O virtual addresses that the IOMMU translates per domain, and may block).

/** Thrown by a DmaSpace when an access is outside what the device may reach. Devices catch it and report a
 * device error (virtio: DEVICE_NEEDS_RESET; NIC: error status); it never escapes to the VMM. */
export class DmaFault extends Error {
  constructor(
    readonly code: 'DMA_OUT_OF_RANGE' | 'IOMMU_BLOCKED',
    readonly addr: number,
    readonly length: number,
    readonly write: boolean
  ) {
    super(`${code}: ${write ? 'write' : 'read'} of ${length} bytes at 0x${addr.toString(16)}`)
    this.name = 'DmaFault'
  }
}

export interface DmaSpace {
  read(addr: number, length: number): Uint8Array
  write(addr: number, bytes: Uint8Array): void
  readU16(addr: number): number
  readU32(addr: number): number
  writeU16(addr: number, value: number): void
  writeU32(addr: number, value: number): void
}

/** Guest RAM seen from a device without an IOMMU: guest-physical addresses, bounds-checked. */
export class RamDma implements DmaSpace {
  private readonly view: DataView

  /** `onWrite(offset, length)`: told after every write into `ram` (the VM's ramWritten: compiled code there is
   * dropped, the pages count as dirtied). */
  constructor(
    readonly ram: Uint8Array,
    readonly base: number,
    private readonly onWrite: (offset: number, length: number) => void = () => {}
  ) {
    this.view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength)
  }

  /** Offset into `ram` for [addr, addr+length), or throws DmaFault. */
  offset(addr: number, length: number, write: boolean): number {
    const off = addr - this.base
    if (off < 0 || length < 0 || off + length > this.ram.length) {
      throw new DmaFault('DMA_OUT_OF_RANGE', addr >>> 0, length, write)
    }
    return off
  }

  read(addr: number, length: number): Uint8Array {
    const off = this.offset(addr, length, false)
    return this.ram.slice(off, off + length)
  }

  write(addr: number, bytes: Uint8Array): void {
    const off = this.offset(addr, bytes.length, true)
    this.ram.set(bytes, off)
    this.onWrite(off, bytes.length)
  }

  readU16(addr: number): number {
    return this.view.getUint16(this.offset(addr, 2, false), true)
  }

  readU32(addr: number): number {
    return this.view.getUint32(this.offset(addr, 4, false), true)
  }

  writeU16(addr: number, value: number): void {
    const off = this.offset(addr, 2, true)
    this.view.setUint16(off, value & 0xffff, true)
    this.onWrite(off, 2)
  }

  writeU32(addr: number, value: number): void {
    const off = this.offset(addr, 4, true)
    this.view.setUint32(off, value >>> 0, true)
    this.onWrite(off, 4)
  }
}

/** An interrupt line into the PLIC (level triggered). */
export interface IrqLine {
  set(level: boolean): void
}

/** A memory-mapped device as the bus sees it: offsets are relative to the device's base address. */
export interface MmioDevice {
  readonly name: string
  readonly size: number
  read(offset: number, size: 1 | 2 | 4): number
  write(offset: number, size: 1 | 2 | 4, value: number): void
}
