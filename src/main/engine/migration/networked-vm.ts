// A VM with a virtio-net NIC on a host network, run in step with that network in virtual time, and able to move:
// the client load generator (network/web-client.ts) keeps talking to it while it migrates.
//
// - Host time = the guest's virtual time + an offset. While the guest runs, network events (the client's requests,
//   frames on the switch) are delivered between short run slices, so a request lands in the guest's receive ring
//   at its arrival time and the answer leaves when the guest sends it.
// - Dirty logging must see what the device writes (QEMU marks DMA writes dirty too): the NIC reaches RAM through
//   a DmaSpace that records the pages it writes, merged into the dirty log.
// - The NIC's state (transport + device, incl. frames waiting for buffers) travels in the machine state as
//   devices.virtio0, so the destination's copy resumes mid-conversation.
// - Switchover: the source stops delivering at the pause; frames for the VM stay queued on the network. `follow`
//   makes the destination the VM's end of the same switch port (as a gratuitous ARP would teach the switch) and
//   moves host time on by the downtime: the queued requests reach the destination when it resumes.
import { RAM_BASE } from '../machine/board'
import { RamDma } from '../devices/virtio/dma'
import { VirtioMmioTransport, type VirtioTransportState } from '../devices/virtio/mmio'
import { virtioSlot } from '../devices/virtio/constants'
import { VirtioNet, type VirtioNetState } from '../devices/net/virtio-net'
import type { EventQueue } from '../network/events'
import { syncedDevice } from '../network/synced-device'
import type { FrameRx, Mac } from '../network/frame'
import type { SwitchPort, VirtualSwitch } from '../network/switch'
import type { NicHost } from '../devices/net/attach'
import { PAGE_SIZE, type DirtyLog, type MigratableVm, type VmMachineState } from '../vmm/vm-state'

/** Longest guest run between two looks at the network (virtual ns): bounds how late a frame is noticed. */
const MAX_SLICE_NS = 50_000
const MIN_SLICE_NS = 500

/** Guest RAM for a device, recording the pages it writes. */
class TrackedDma extends RamDma {
  readonly written = new Set<number>()

  private mark(addr: number, length: number): void {
    const first = Math.floor((addr - this.base) / PAGE_SIZE)
    const last = Math.floor((addr - this.base + Math.max(1, length) - 1) / PAGE_SIZE)
    for (let p = first; p <= last; p++) this.written.add(p)
  }

  override write(addr: number, bytes: Uint8Array): void {
    super.write(addr, bytes)
    this.mark(addr, bytes.length)
  }

  override writeU16(addr: number, value: number): void {
    super.writeU16(addr, value)
    this.mark(addr, 2)
  }

  override writeU32(addr: number, value: number): void {
    super.writeU32(addr, value)
    this.mark(addr, 4)
  }
}

/** The VM side of one host network: the VM-to-be-networked must offer MigratableVm and NicHost (vmm/vm.ts Vm). */
export type NetworkableVm = MigratableVm & NicHost

/** One switch port whose far end can move from one host's NIC to another's. */
export class VmPort implements FrameRx {
  target: FrameRx | null = null
  readonly port: SwitchPort

  constructor(sw: VirtualSwitch, name: string) {
    this.port = sw.attach(name, this)
  }

  receive(frame: Uint8Array): void {
    this.target?.receive(frame)
  }
}

export class NetworkedVm<V extends NetworkableVm = NetworkableVm> implements MigratableVm {
  readonly transport: VirtioMmioTransport
  readonly device: VirtioNet
  /** Host time minus guest time (virtual ns). */
  offsetNs = 0
  private readonly dma: TrackedDma
  private tracking = false
  /** Set at the pause: the guest no longer runs here. */
  paused = false
  readonly dirtyLog: DirtyLog

  constructor(
    readonly vm: V,
    readonly events: EventQueue,
    mac: Mac
  ) {
    this.dma = new TrackedDma(vm.ram, RAM_BASE)
    this.device = new VirtioNet(mac, { transmit: () => {} })
    const slot = virtioSlot(0)
    this.transport = new VirtioMmioTransport('virtio0', this.device, this.dma, { set: (l) => vm.plic.setLevel(slot.irq, l) })
    vm.attachDevice('virtio0', slot.base, this.transport.size, syncedDevice(this.transport, events))
    this.dirtyLog = {
      start: () => {
        this.dma.written.clear()
        this.tracking = true
        vm.dirtyLog.start()
      },
      collect: () => {
        const own = vm.dirtyLog.collect()
        if (this.dma.written.size === 0) return own
        const all = new Set<number>(own)
        for (const p of this.dma.written) all.add(p)
        this.dma.written.clear()
        return Uint32Array.from([...all].sort((a, b) => a - b))
      },
      stop: () => {
        this.tracking = false
        this.dma.written.clear()
        vm.dirtyLog.stop()
      }
    }
  }

  /** Pages the device wrote since the last collect (while dirty logging is on). */
  get dmaDirtyPages(): number {
    return this.tracking ? this.dma.written.size : 0
  }

  /** Plug the NIC into `port` and make this VM the network's clock. */
  connect(vmPort: VmPort): void {
    vmPort.target = this.device
    this.device.connect(vmPort.port)
    this.events.clock = () => this.hostNow()
  }

  /** Host time (virtual ns) as this VM sees it. */
  hostNow(): number {
    return this.vm.virtualCycles + this.offsetNs
  }

  get ram(): Uint8Array {
    return this.vm.ram
  }

  get virtualCycles(): number {
    return this.vm.virtualCycles
  }

  /** Run the guest for `cycles`, delivering network events between slices that end at the next event. */
  runFor(cycles: number): void {
    if (this.paused) return
    const end = this.vm.virtualCycles + cycles
    for (;;) {
      this.events.runUntil(this.hostNow())
      const left = end - this.vm.virtualCycles
      if (left <= 0) break
      const next = this.events.nextAt
      const untilEvent = next === null ? MAX_SLICE_NS : next - this.hostNow()
      const budget = Math.min(left, MAX_SLICE_NS, Math.max(MIN_SLICE_NS, untilEvent))
      const before = this.vm.virtualCycles
      this.vm.runFor(budget)
      if (this.vm.virtualCycles <= before) break // halted or stuck: time cannot advance
    }
  }

  saveState(): VmMachineState {
    const s = this.vm.saveState()
    return { ...s, devices: { ...s.devices, virtio0: { transport: this.transport.saveState(), net: this.device.saveState() } } }
  }

  loadState(state: VmMachineState): void {
    this.vm.loadState(state)
    const nic = state.devices.virtio0 as { transport: VirtioTransportState; net: VirtioNetState } | undefined
    if (nic) {
      this.device.loadState(nic.net)
      this.transport.loadState(nic.transport)
    }
  }

  /** Stop here at the pause (call from MigrationSource's onPause): deliver what is due, then freeze. */
  pause(): void {
    this.events.runUntil(this.hostNow())
    this.paused = true
  }

  /** Resume the conversation at `dest` (already loaded with this VM's state): host time moves on by the downtime;
   * the port now reaches the destination's NIC. */
  follow(dest: NetworkedVm<NetworkableVm>, vmPort: VmPort, downtimeNs: number): void {
    const pausedAt = this.hostNow()
    dest.offsetNs = pausedAt + downtimeNs - dest.vm.virtualCycles
    this.paused = true
    dest.paused = false
    dest.connect(vmPort)
  }
}
