// A VM's network card, as createVm plugs it in for VmConfig.nic: which device (devices/net/attach.ts), what the
// guest kernel is told on its command line (`net=`), the network it is connected to, and the NIC's state in the
// machine state (snapshots, migration).
import { attachNic, type NicAttachment, type NicHost } from '../devices/net/attach'
import type { VirtioTransportState } from '../devices/virtio/mmio'
import type { VirtioNetState } from '../devices/net/virtio-net'
import type { EmulatedNicState } from '../devices/net/emulated-nic'
import type { SriovVfState } from '../devices/net/sriov-vf'
import type { FailoverSlotState } from '../devices/net/failover'
import type { MmioDevice } from '../devices/virtio/dma'
import type { SriovNic } from '../devices/net/sriov-nic'
import type { Iommu } from '../iommu/iommu'
import type { FrameRx, FrameTx, Mac } from '../network/frame'
import type { NicModel } from './api'
import { checkNicChoice, needsVf, type HostCapabilities } from '../cluster/capabilities'
import { EngineError } from '../errors'
import type { DeviceStates } from './vm-state'
import type { ClockMember } from '../network/clock-member'

/** What sync() found, in the VM's guest time. */
export interface NetSync {
  /** The next event still pending (Infinity: none). */
  next: number
  /** An event due by `upTo` could not run: a VM that cannot be run forward lags behind it. */
  blocked: boolean
  /** How far every other VM on the host has got (at most `upTo`): a sleeping VM may sleep until here. */
  reached: number
}

/** The network a VM's NIC is plugged into (the host's virtual switch: host/host-network.ts). */
export interface VmNetwork {
  readonly mac: Mac
  /** The switch port the NIC of `model` sends on; `rx` receives the frames for this VM. */
  connect(rx: FrameRx, model: NicModel): FrameTx
  /** The host's SR-IOV NIC and IOMMU (absent: the host has none; a VF choice is then refused). */
  readonly sriov?: SriovNic
  readonly iommu?: Iommu
  /** What the host offers, for the refusal of a VF it cannot give (cluster/capabilities.ts checkNicChoice). */
  readonly host?: Pick<HostCapabilities, 'name' | 'iommu' | 'sriovVfs'>
  /** Wrap each trapping device (deliver due network events before the device model runs). */
  wrap?(dev: MmioDevice): MmioDevice
  /** The VM joins the host network's clock (createVm, before the first instruction). */
  join?(member: ClockMember): void
  /** Run the network events due by the VM's guest time `upTo` that every other VM on the host has reached too
   * (host/host-network.ts: conservative, events never run ahead of a VM that is awake). `drive`: run laggards
   * forward, and run the events even past a VM that cannot be run (a caller that must make progress). */
  sync?(upTo: number, drive: boolean): NetSync
  /** The VM's clock was set from outside (a state was loaded): its present maps to the host's present. */
  rejoin?(): void
  /** Whether this VM can make progress now (after step() said 'idle'): a frame or its timer is due and no other
   * VM on the host lags behind it. */
  pending?(): boolean
}

/** The word the guest kernel's `net=` parameter takes for each NIC (guest/kernel/net.c). A failover pair's guest
 * drives the VF as its primary and virtio as its standby (`failover`, the kernel's net_failover). */
export function kernelNetParam(nic: NicModel): 'virtio' | 'emulated' | 'vf' | 'failover' | 'none' {
  if (nic === 'virtio') return 'virtio'
  if (nic === 'vf-failover') return 'failover'
  if (nic === 'emulated') return 'emulated'
  if (nic === 'sriov-vf') return 'vf'
  return 'none'
}

/** `cmdline` with its `net=` word set to what is plugged in (replacing any other `net=`), so the kernel never
 * probes a device that is not there: an empty virtio slot on the workbench is a wild MMIO access. A VM without a
 * NIC keeps its command line as given (undefined = the kernel's built-in one). */
export function nicCmdline(cmdline: string | undefined, nic: NicModel, builtIn: string): string | undefined {
  if (nic === 'none') return cmdline
  const words = (cmdline ?? builtIn).split(' ').filter((w) => w !== '' && !w.startsWith('net='))
  words.push(`net=${kernelNetParam(nic)}`)
  return words.join(' ')
}

/** A stable, locally administered unicast MAC for a VM, from its name (QEMU's 52:54:00 prefix): the same VM gets
 * the same address on every host, so a migrated VM keeps it. */
export function macForVm(name: string): Mac {
  let h = 0x811c9dc5
  for (const c of new TextEncoder().encode(name)) h = Math.imul(h ^ c, 0x01000193) >>> 0
  return new Uint8Array([0x52, 0x54, 0x00, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff])
}

/** Frames go nowhere: a VM built without a host network (tests, the headless runner). */
const NOWHERE: FrameTx = { transmit: () => {} }

/** Plug the NIC of `model` into `vm` on `network` (or on no network). Throws EngineError with the SR-IOV NIC's
 * refusal code (IO_NO_IOMMU, IO_NO_FREE_VF, ...) when a VF cannot be given. */
export function plugNic(vm: NicHost, model: NicModel, network: VmNetwork | null, fallbackMac: Mac): NicAttachment | null {
  if (model === 'none') return null
  if (network?.host && needsVf(model)) {
    // the same refusal the planner and the wizard give (no IOMMU, no SR-IOV NIC, no free VF)
    // a failover pair without a free VF still comes up, on its standby (a migration's destination whose VFs are
    // all in use: the VM arrives on virtio and stays there)
    const sriov = network.sriov
    const inUse = sriov && model === 'sriov-vf' ? sriov.totalVfs - sriov.freeVfs : 0
    const usage = { vfsInUse: inUse, coresInUse: 0, memoryInUseMiB: 0 }
    const refusal = checkNicChoice({ ...network.host, cores: 0, memoryMiB: 0 }, usage, model)
    if (refusal) throw new EngineError(refusal.code, `cannot give ${vm.config.name} a VF: ${refusal.code}`, refusal.params)
  }
  return attachNic(vm, model, {
    mac: network?.mac ?? fallbackMac,
    connect: (rx) => (network ? network.connect(rx, model) : NOWHERE),
    sriov: network?.sriov,
    iommu: network?.iommu,
    wrap: network?.wrap?.bind(network)
  })
}

export interface NicState {
  virtio?: { transport: VirtioTransportState; net: VirtioNetState }
  emulated?: EmulatedNicState
  vf?: SriovVfState
  failover?: FailoverSlotState
}

/** The NIC's device state under the names the machine state uses (virtio0 as networked-vm.ts writes it). */
export function saveNic(a: NicAttachment | null): DeviceStates {
  if (!a) return {}
  const out: DeviceStates = {}
  if (a.virtio) out.virtio0 = { transport: a.virtio.transport.saveState(), net: a.virtio.device.saveState() }
  if (a.emulated) out.nic0 = a.emulated.saveState()
  if (a.failover) {
    out.failover = a.failover.saveState()
    const plugged = a.failover.plugged
    if (plugged) out.vf = plugged.saveState()
  } else if (a.vf) out.vf = a.vf.saveState()
  return out
}

export function loadNic(a: NicAttachment | null, devices: DeviceStates): void {
  if (!a) return
  const virtio = devices.virtio0 as NicState['virtio']
  if (a.virtio && virtio) {
    a.virtio.device.loadState(virtio.net)
    a.virtio.transport.loadState(virtio.transport)
  }
  const emu = devices.nic0 as EmulatedNicState | undefined
  if (a.emulated && emu) a.emulated.loadState(emu)
  const vf = devices.vf as SriovVfState | undefined
  const slot = devices.failover as FailoverSlotState | undefined
  if (a.failover) {
    // the slot as saved (a VF unplugged before a migration stays out); a state without a slot had its VF plugged
    a.failover.loadState(slot ?? { status: 1, event: 0, present: vf !== undefined })
    const plugged = a.failover.plugged
    if (plugged && vf) plugged.loadState(vf)
  } else if (a.vf && vf) a.vf.loadState(vf)
}
