// The EPT (second-stage table) for hardware-assisted mode: guest-physical → host-physical for guest RAM, one
// entry per 4 KiB page in a typed array (flags byte), with accessed/dirty bits and a write-protect bit used for
// dirty logging (KVM without PML write-protects pages and logs the first write of each). Guest RAM sits at the
// same address in host-physical space, so a mapped page translates to itself; device addresses are never mapped,
// so every access to them is an EPT violation the VMM emulates.
import { ACCESS_FETCH as ACCESS_FETCH_, ACCESS_STORE as ACCESS_STORE_, type AccessKind, type Stage2 } from '../cpu/types'
import { PAGE_SHIFT as PAGE_SHIFT_ } from './sv32'

// Module-local copies: tsx/esbuild turn imported bindings into getter calls on every use; translate() runs on every
// TLB miss of a hardware-assisted guest.
const ACCESS_FETCH = ACCESS_FETCH_
const ACCESS_STORE = ACCESS_STORE_
const PAGE_SHIFT = PAGE_SHIFT_

const F_PRESENT = 0x01
const F_R = 0x02
const F_W = 0x04
const F_X = 0x08
const F_A = 0x10
const F_D = 0x20
/** Write-protected for dirty logging: the first store exits. */
const F_WP = 0x40
const F_RWX = F_R | F_W | F_X

export type EptFaultKind = 'outside-ram' | 'not-present' | 'write-protect' | 'permission'

export class Ept implements Stage2 {
  private readonly flags: Uint8Array
  readonly pages: number
  /** Why the last translate() returned -1. */
  lastFault: EptFaultKind = 'not-present'
  /** First stores to pages whose D bit was clear (the dirty-page counter of the stats). */
  dirtyEvents = 0
  private logging = false
  /** Dirty logging without unwinding: when set, a store to a write-protected page is logged and let through here
   * (the hook charges the exit), instead of failing the translation so that the hart raises a guest page fault
   * and re-executes the store after the VMM logged it. Same record, exit count and virtual time; the throw, the
   * second walk and the trap bookkeeping of a fault per first store are what it saves. */
  onLoggedWrite: (() => void) | null = null
  /** Guest-physical windows outside RAM that translate to themselves: device pages mapped straight into the guest
   * (an SR-IOV VF's registers, a polled I/O page; issue 7). The hart reaches them on its bus without an exit. */
  private direct: { base: number; end: number }[] = []

  constructor(
    readonly ramBase: number,
    ramSize: number
  ) {
    this.pages = ramSize >>> PAGE_SHIFT
    this.flags = new Uint8Array(this.pages)
  }

  translate(gpa: number, access: AccessKind): number {
    const off = (gpa - this.ramBase) >>> 0
    const idx = off >>> PAGE_SHIFT
    if (idx >= this.pages) {
      if (this.direct.length !== 0 && this.isDirect(gpa >>> 0)) return gpa >>> 0
      this.lastFault = 'outside-ram'
      return -1
    }
    const f = this.flags[idx]
    if ((f & F_PRESENT) === 0) {
      this.lastFault = 'not-present'
      return -1
    }
    if (access === ACCESS_STORE) {
      if ((f & F_W) === 0) {
        this.lastFault = 'permission'
        return -1
      }
      if (f & F_WP) {
        const logged = this.onLoggedWrite
        if (logged === null) {
          this.lastFault = 'write-protect'
          return -1
        }
        this.logWrite(idx)
        logged()
        return gpa >>> 0
      }
      if ((f & F_D) === 0) this.dirtyEvents++
      this.flags[idx] = f | F_A | F_D
    } else {
      if ((f & (access === ACCESS_FETCH ? F_X : F_R)) === 0) {
        this.lastFault = 'permission'
        return -1
      }
      this.flags[idx] = f | F_A
    }
    return gpa >>> 0
  }

  /** Map [base, base+size) outside RAM straight through (identity): see `direct`. */
  addDirect(base: number, size: number): void {
    this.direct.push({ base: base >>> 0, end: (base >>> 0) + size })
  }

  isDirect(gpa: number): boolean {
    for (const w of this.direct) if (gpa >= w.base && gpa < w.end) return true
    return false
  }

  /** Page index (from the start of RAM) of a guest-physical address, or -1 outside RAM. */
  pageOf(gpa: number): number {
    const idx = ((gpa - this.ramBase) >>> 0) >>> PAGE_SHIFT
    return idx < this.pages ? idx : -1
  }

  /** Maps RAM page `idx` RWX (write-protected if dirty logging is on). */
  map(idx: number): void {
    this.flags[idx] = F_PRESENT | F_RWX | (this.logging ? F_WP : 0)
  }

  unmap(idx: number): void {
    this.flags[idx] = 0
  }

  unmapAll(): void {
    this.flags.fill(0)
  }

  isPresent(idx: number): boolean {
    return (this.flags[idx] & F_PRESENT) !== 0
  }

  isDirty(idx: number): boolean {
    return (this.flags[idx] & F_D) !== 0
  }

  isAccessed(idx: number): boolean {
    return (this.flags[idx] & F_A) !== 0
  }

  /** A write-protect fault was taken on page idx: record the write and let further stores through. */
  logWrite(idx: number): void {
    const f = this.flags[idx]
    if ((f & F_D) === 0) this.dirtyEvents++
    this.flags[idx] = (f & ~F_WP) | F_A | F_D
  }

  /** A store the VMM made on the guest's behalf (emulated access, page-table A/D update). */
  noteHostWrite(idx: number): void {
    const f = this.flags[idx]
    if ((f & F_D) === 0) this.dirtyEvents++
    this.flags[idx] = f | F_D
  }

  get dirtyLogging(): boolean {
    return this.logging
  }

  /** Start dirty logging: every page clean and write-protected. The caller flushes the hart's TLB. */
  startDirtyLog(): void {
    this.logging = true
    for (let i = 0; i < this.pages; i++) {
      const f = this.flags[i] & ~F_D
      this.flags[i] = f & F_PRESENT ? f | F_WP : f
    }
  }

  /** Pages written since start/the last collect, ascending; clears their D bits and write-protects them again.
   * The caller flushes the hart's TLB. */
  collectDirty(): Uint32Array {
    let n = 0
    for (let i = 0; i < this.pages; i++) if (this.flags[i] & F_D) n++
    const out = new Uint32Array(n)
    n = 0
    for (let i = 0; i < this.pages; i++) {
      const f = this.flags[i]
      if (f & F_D) {
        out[n++] = i
        this.flags[i] = (f & ~F_D) | (this.logging && f & F_PRESENT ? F_WP : 0)
      }
    }
    return out
  }

  stopDirtyLog(): void {
    this.logging = false
    for (let i = 0; i < this.pages; i++) this.flags[i] &= ~F_WP
  }
}
