// VF + virtio failover, as Linux's net_failover pairs them: the VF is the primary (fast path), a virtio-net NIC
// with the same MAC the standby. The guest sends on whichever is present; the host delivers to the active one.
// Before a live migration the VF is hot-unplugged (traffic continues on virtio, which migrates), and at the
// destination a VF is plugged back if the host can give one.
import type { FrameRx } from '../../network/frame'
import type { SriovVf } from './sriov-vf'
import type { VirtioNet } from './virtio-net'

export type FailoverActive = 'primary' | 'standby'

export class FailoverNic implements FrameRx {
  /** Frames delivered through each path (shows the switch-over). */
  readonly delivered = { primary: 0, standby: 0 }
  readonly events: { kind: 'unplug' | 'plug'; vf: string }[] = []

  constructor(
    readonly standby: VirtioNet,
    private primary: SriovVf | null
  ) {}

  get active(): FailoverActive {
    return this.primary && this.primary.enabled ? 'primary' : 'standby'
  }

  get vf(): SriovVf | null {
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

  /** Hot-unplug the VF (the caller returns it to the SR-IOV NIC). */
  unplugPrimary(): SriovVf | null {
    const vf = this.primary
    if (vf) this.events.push({ kind: 'unplug', vf: vf.name })
    this.primary = null
    return vf
  }

  plugPrimary(vf: SriovVf): void {
    this.primary = vf
    this.events.push({ kind: 'plug', vf: vf.name })
  }
}
