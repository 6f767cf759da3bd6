// VF + virtio failover, as Linux's net_failover pairs them: the VF is the primary (fast path), a virtio-net NIC
// with the same MAC the standby. The guest (kernel `net=failover`) sends and receives on the VF while it is
// present; the host delivers to the VF while the guest has it enabled, else to the standby.
//
// The VF sits in a hot-plug slot the VMM emulates (trapped registers at 0x10320000, PLIC irq 12 while an event is
// pending; guest/include/wb_nic.h has the guest's side):
//   0x00 STATUS  bit0 PRESENT (a VF is plugged), bit1 UNPLUG (the host asks the guest to release it)
//   0x04 EVENT   the same bits as events, write 1 to clear (the interrupt line is EVENT != 0)
//   0x08 CTRL    write bit0 EJECT: the guest stopped using the VF; the host takes it away
// Hot-unplug (QEMU unplugs the primary through the PCIe hot-plug handler before a migration, and waits in
// 'wait-unplug' until the guest has released it): requestUnplug() sets UNPLUG and raises the event; from then on
// new frames go to the standby (the VF's undelivered backlog too); the guest drains the VF's ring, disables it,
// writes EJECT; the VF is reset and parked (kept for this VM, as QEMU keeps the primary's resources to re-plug it
// if the migration fails). surpriseRemove() takes it without waiting (the guest sees PRESENT gone). plug() puts
// the parked VF or a new one from the host's SR-IOV NIC back (PRESENT + event): the guest starts it and traffic
// moves back to the primary once it is enabled. While the slot is empty the VF's page reads all ones, as a
// removed PCIe function does.
import type { MmioDevice } from '../virtio/dma'
import type { FrameRx } from '../../network/frame'
import { VF_PAGE_SIZE, type SriovVf } from './sriov-vf'
import type { VirtioNet } from './virtio-net'

export const SLOT_BASE = 0x1032_0000
export const SLOT_SIZE = 0x1000
export const SLOT_IRQ = 12
export const SLOT_PRESENT = 1
export const SLOT_UNPLUG = 2
export const SLOT_EJECT = 1

export const enum SlotReg {
  Status = 0x00,
  Event = 0x04,
  Ctrl = 0x08
}

/** Which path carries the guest's traffic: the VF, the VF being released (the host waits for the guest), or the
 * standby alone. */
export type FailoverState = 'primary' | 'wait-unplug' | 'standby'

/** Where a failover pair's VFs come from: the host's SR-IOV NIC (attach.ts). */
export interface VfSource {
  /** A VF for this VM, or null when none is free. */
  take(): SriovVf | null
  give(vf: SriovVf): void
}

export interface FailoverSlotState {
  status: number
  event: number
  /** A VF is in the slot (its registers are the machine state's `vf`). */
  present: boolean
}

export interface FailoverEvent {
  kind: 'unplug-request' | 'unplug' | 'surprise-removal' | 'plug'
  vf: string
}

/** The VF's register page as the guest sees it (mapped directly): the plugged VF, or all ones while empty. */
export class VfBar implements MmioDevice {
  readonly name = 'vf-bar'
  readonly size = VF_PAGE_SIZE
  vf: SriovVf | null = null

  read(offset: number, size: 1 | 2 | 4): number {
    if (this.vf) return this.vf.read(offset, size)
    return size === 4 ? 0xffff_ffff : size === 2 ? 0xffff : 0xff
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    this.vf?.write(offset, size, value)
  }
}

/** The failover pair of a VM built by createVm (its `nic`; or of the VM a wrapper holds as `vm`), or null. */
export function failoverOf(vm: unknown): FailoverNic | null {
  const v = vm as { nic?: { failover?: FailoverNic } | null; vm?: unknown }
  return v.nic?.failover ?? (v.vm ? failoverOf(v.vm) : null)
}

export class FailoverNic implements FrameRx {
  /** Frames delivered through each path (shows the switch-over). */
  readonly delivered = { primary: 0, standby: 0 }
  readonly events: FailoverEvent[] = []
  readonly bar = new VfBar()
  /** The hot-plug slot's registers (trapped: the VMM emulates them). */
  readonly slot: MmioDevice
  private status = 0
  private event = 0
  private primary: SriovVf | null = null
  /** A VF the guest released, kept for this VM until plug() or release(). */
  private parked: SriovVf | null = null
  /** The guest released the VF (EJECT) or it was surprise-removed. */
  onRemoved: (() => void) | null = null

  constructor(
    readonly standby: VirtioNet,
    vf: SriovVf | null,
    private readonly source: VfSource | null = null,
    private readonly irqLine: (level: boolean) => void = () => {}
  ) {
    if (vf) this.insert(vf, false)
    this.slot = {
      name: 'failover-slot',
      size: SLOT_SIZE,
      read: (offset) => (offset === SlotReg.Status ? this.status : offset === SlotReg.Event ? this.event : 0),
      write: (offset, size, value) => {
        if (size !== 4) return
        if (offset === SlotReg.Event) this.setEvent(this.event & ~value)
        else if (offset === SlotReg.Ctrl && value & SLOT_EJECT && this.status & SLOT_UNPLUG) this.remove('unplug')
      }
    }
  }

  get state(): FailoverState {
    if (!this.primary) return 'standby'
    return this.status & SLOT_UNPLUG ? 'wait-unplug' : 'primary'
  }

  /** Where the host delivers frames now. */
  get active(): 'primary' | 'standby' {
    return this.primary && this.primary.enabled && !(this.status & SLOT_UNPLUG) ? 'primary' : 'standby'
  }

  /** The VF in the slot, or the parked one (the VM holds it either way). */
  get vf(): SriovVf | null {
    return this.primary ?? this.parked
  }

  /** The VF in the slot. */
  get plugged(): SriovVf | null {
    return this.primary
  }

  receive(frame: Uint8Array): void {
    if (this.active === 'primary') {
      this.delivered.primary++
      ;(this.primary as SriovVf).receive(frame)
    } else {
      this.delivered.standby++
      this.standby.receive(frame)
    }
  }

  /** Ask the guest to release the VF (hot-unplug request). New frames go to the standby at once. A VF the guest
   * has not enabled (its driver never started it: nothing to drain, no DMA set up) is taken at once, as a slot
   * whose device no driver holds is powered off without waiting. False when no VF is plugged or a release is
   * already pending. */
  requestUnplug(): boolean {
    const vf = this.primary
    if (!vf || this.status & SLOT_UNPLUG) return false
    this.status |= SLOT_UNPLUG
    this.events.push({ kind: 'unplug-request', vf: vf.name })
    if (!vf.enabled) {
      this.remove('unplug')
      return true
    }
    for (const f of vf.takeBacklog()) this.standby.receive(f)
    this.setEvent(this.event | SLOT_UNPLUG)
    return true
  }

  /** Take the VF away without the guest's consent (a guest that never ejects it). */
  surpriseRemove(): void {
    if (this.primary) this.remove('surprise-removal')
  }

  /** Plug a VF back: the parked one, else a new one from the host. False when the host has none free. */
  plug(): boolean {
    if (this.primary) return true
    const vf = this.parked ?? this.source?.take() ?? null
    if (!vf) return false
    this.parked = null
    this.insert(vf, true)
    return true
  }

  /** Give a parked VF back to the host's SR-IOV NIC. */
  release(): void {
    const vf = this.parked
    if (!vf) return
    this.parked = null
    this.source?.give(vf)
  }

  private insert(vf: SriovVf, announce: boolean): void {
    this.primary = vf
    this.bar.vf = vf
    this.status = SLOT_PRESENT
    if (!announce) return
    this.events.push({ kind: 'plug', vf: vf.name })
    this.setEvent(this.event | SLOT_PRESENT)
  }

  private remove(kind: 'unplug' | 'surprise-removal'): void {
    const vf = this.primary
    if (!vf) return
    for (const f of vf.takeBacklog()) this.standby.receive(f)
    vf.reset()
    this.primary = null
    this.bar.vf = null
    this.parked = vf
    this.status = 0
    this.events.push({ kind, vf: vf.name })
    if (kind === 'surprise-removal') this.setEvent(this.event | SLOT_UNPLUG)
    this.onRemoved?.()
  }

  private setEvent(v: number): void {
    const was = this.event !== 0
    this.event = v
    if (was !== (v !== 0)) this.irqLine(v !== 0)
  }

  saveState(): FailoverSlotState {
    return { status: this.status, event: this.event, present: this.primary !== null }
  }

  /** Restore the slot; the VF's registers are loaded by the caller when `present`. A VF the state does not hold
   * is parked; one it holds is taken from the parked one or the host (false: none free, the slot stays empty). */
  loadState(s: FailoverSlotState): boolean {
    if (!s.present && this.primary) {
      const vf = this.primary
      vf.reset()
      this.primary = null
      this.bar.vf = null
      this.parked = vf
    }
    let ok = true
    if (s.present && !this.primary) {
      const vf = this.parked ?? this.source?.take() ?? null
      this.parked = null
      if (vf) this.insert(vf, false)
      else ok = false
    }
    this.status = this.primary ? s.status : 0
    this.event = s.event
    this.irqLine(this.event !== 0)
    return ok
  }
}
