// Post-copy with a NIC: the device reaches guest RAM by DMA (virtqueue rings, receive buffers), and a page it
// touches may not have arrived yet. Writing a received frame into a missing page would be overwritten when the
// page arrives; reading a ring from one would see zeros. A real VMM's device blocks on such a page (QEMU's
// userfaultfd makes the device thread wait for it like a vCPU). Here, before every post-copy run slice, the pages
// the NIC can touch (its rings, and every buffer its descriptor tables point at; the emulated NIC's receive
// buffer) must be present; a missing one is requested as a network page fault before the guest runs on.
import { RAM_BASE } from '../machine/board'
import type { NicAttachment } from '../devices/net/attach'
import { PAGE_SIZE, type DirtyLog, type MigratableVm, type PostcopyTarget, type VmMachineState } from '../vmm/vm-state'

const DESC_SIZE = 16

/** Guest-physical range → page indices inside RAM (ranges outside RAM are the device's problem, not ours). */
function firstMissing(addr: number, len: number, ramPages: number, present: (page: number) => boolean): number {
  if (len <= 0 || addr < RAM_BASE) return -1
  const first = Math.floor((addr - RAM_BASE) / PAGE_SIZE)
  const last = Math.min(ramPages - 1, Math.floor((addr - RAM_BASE + len - 1) / PAGE_SIZE))
  for (let p = first; p <= last; p++) if (!present(p)) return p
  return -1
}

/** The first page the NIC may reach by DMA that is not present, or -1. Rings first: the descriptor tables are read
 * only once their pages are in. */
export function missingNicPage(nic: NicAttachment, ram: Uint8Array, present: (page: number) => boolean): number {
  const pages = Math.floor(ram.length / PAGE_SIZE)
  if (nic.virtio) {
    const queues = nic.virtio.transport.queues.filter((q) => q.ready && q.size > 0)
    for (const q of queues) {
      const rings: [number, number][] = [
        [q.descAddr, DESC_SIZE * q.size],
        [q.driverAddr, 6 + 2 * q.size],
        [q.deviceAddr, 6 + 8 * q.size]
      ]
      for (const [a, n] of rings) {
        const m = firstMissing(a, n, pages, present)
        if (m >= 0) return m
      }
    }
    const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength)
    for (const q of queues) {
      for (let i = 0; i < q.size; i++) {
        const d = q.descAddr - RAM_BASE + DESC_SIZE * i
        if (d < 0 || d + DESC_SIZE > ram.length) break
        if (view.getUint32(d + 4, true) !== 0) continue // above 4 GiB: unreachable on RV32
        const m = firstMissing(view.getUint32(d, true), view.getUint32(d + 8, true), pages, present)
        if (m >= 0) return m
      }
    }
  }
  if (nic.emulated) {
    const regs = nic.emulated.saveState().regs // ctrl, txAddr, txLen, rxAddr, rxCap, ...
    const m = firstMissing(regs[3], regs[4], pages, present)
    if (m >= 0) return m
  }
  return -1
}

type PostcopyVm = MigratableVm & PostcopyTarget & { readonly nic?: NicAttachment | null }

/** The incoming VM as the post-copy destination sees it: a slice starts only when the NIC's DMA pages are present;
 * otherwise the missing one is reported as the page fault (the guest waits for it, as for its own fault). */
export class NicSafePostcopyVm implements MigratableVm, PostcopyTarget {
  private present: Uint8Array | null = null
  private deviceFault = -1
  /** Pages fetched for the NIC before the guest touched them. */
  deviceFaults = 0

  constructor(readonly vm: PostcopyVm) {}

  get ram(): Uint8Array {
    return this.vm.ram
  }

  get dirtyLog(): DirtyLog {
    return this.vm.dirtyLog
  }

  get virtualCycles(): number {
    return this.vm.virtualCycles
  }

  saveState(): VmMachineState {
    return this.vm.saveState()
  }

  loadState(state: VmMachineState): void {
    this.vm.loadState(state)
  }

  runFor(cycles: number): void {
    const nic = this.vm.nic
    const present = this.present
    if (nic && present) {
      this.deviceFault = missingNicPage(nic, this.vm.ram, (p) => present[p] === 1)
      if (this.deviceFault >= 0) {
        this.deviceFaults++
        return
      }
    }
    this.vm.runFor(cycles)
  }

  get missingPageFault(): number {
    const own = this.vm.missingPageFault
    return own >= 0 ? own : this.deviceFault
  }

  beginPostcopy(): void {
    this.present = new Uint8Array(Math.floor(this.vm.ram.length / PAGE_SIZE))
    this.vm.beginPostcopy()
  }

  installPage(index: number, bytes: Uint8Array): void {
    this.vm.installPage(index, bytes)
    if (this.present) this.present[index] = 1
    if (index === this.deviceFault) this.deviceFault = -1
  }

  endPostcopy(): void {
    this.present = null
    this.deviceFault = -1
    this.vm.endPostcopy()
  }
}
