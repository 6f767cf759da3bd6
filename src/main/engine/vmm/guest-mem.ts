// Host-physical memory of a VM and the guest RAM inside it, as the VMM touches it.
//
// The hart's bus is a SystemBus with RAM only (no devices): guest RAM at RAM_BASE followed by VMM-private pages
// (the shadow page tables in trap-and-emulate). Devices are deliberately absent from it: a guest access to a
// device never reaches the bus, it exits to the VMM (unmapped in the shadow table or the EPT) and is emulated.
//
// GuestMemory adds bounds for guest RAM, the post-copy "page not arrived yet" marks, and a hook so that every
// store the VMM makes on the guest's behalf reaches the dirty tracker of the active virtualization mode.
import { SystemBus } from '../machine/bus'
import { PAGE_SIZE } from './vm-state'
import type { GuestPhysMem } from './sv32'

export class GuestMemory implements GuestPhysMem {
  readonly bus: SystemBus
  /** Guest RAM (a view on the start of the host RAM). */
  readonly ram: Uint8Array
  readonly pages: number
  /** Post-copy: 1 = page not received yet. null when no post-copy is in progress. */
  missing: Uint8Array | null = null
  /** Called with the page index of every store the VMM makes into guest RAM. */
  onHostWrite: (page: number) => void = () => {}

  constructor(
    readonly base: number,
    guestBytes: number,
    privateBytes: number
  ) {
    this.bus = new SystemBus(base, guestBytes + privateBytes)
    this.ram = this.bus.ram.subarray(0, guestBytes)
    this.pages = guestBytes / PAGE_SIZE
  }

  /** Page index of gpa, or -1 outside guest RAM. */
  pageOf(gpa: number): number {
    const off = gpa - this.base
    return off >= 0 && off < this.ram.length ? Math.floor(off / PAGE_SIZE) : -1
  }

  isRam(gpa: number): boolean {
    return this.pageOf(gpa) >= 0
  }

  isMissing(gpa: number): boolean {
    if (this.missing === null) return false
    const p = this.pageOf(gpa)
    return p >= 0 && this.missing[p] === 1
  }

  read32(gpa: number): number {
    return this.bus.read(gpa, 4)
  }

  write32(gpa: number, value: number): void {
    this.write(gpa, 4, value)
  }

  read(gpa: number, size: 1 | 2 | 4): number {
    return this.bus.read(gpa, size)
  }

  write(gpa: number, size: 1 | 2 | 4, value: number): void {
    this.bus.write(gpa, size, value)
    this.onHostWrite(this.pageOf(gpa))
  }
}
