// The virtio-mmio transport, version 2 (virtio 1.x, 4.2): the register window of one slot, feature negotiation,
// the device status state machine, queue configuration, notifications and the interrupt line. Device semantics
// live in a VirtioBackend (devices/net/virtio-net.ts); queue mechanics in queue.ts.
import {
  F_EVENT_IDX,
  F_VERSION_1,
  INT_CONFIG_CHANGE,
  INT_USED_BUFFER,
  Reg,
  STATUS_DEVICE_NEEDS_RESET,
  STATUS_DRIVER_OK,
  STATUS_FAILED,
  STATUS_FEATURES_OK,
  VIRTIO_MMIO_MAGIC,
  VIRTIO_MMIO_SLOT_SIZE,
  VIRTIO_MMIO_VERSION,
  VIRTIO_VENDOR_ID,
  featureBit
} from './constants'
import type { DmaSpace, IrqLine, MmioDevice } from './dma'
import { SplitQueue, type SplitQueueState } from './queue'

/** What the transport offers a device once the driver set DRIVER_OK. */
export interface VirtioContext {
  readonly mem: DmaSpace
  readonly queues: readonly SplitQueue[]
  readonly features: bigint
  /** Tell the driver about used buffers on `queue` (subject to notification suppression). */
  interruptUsed(queue: number): void
  /** Report a broken driver/ring: DEVICE_NEEDS_RESET + config interrupt. */
  fail(reason: string): void
}

export interface VirtioBackend {
  readonly deviceId: number
  readonly deviceFeatures: bigint
  readonly queueMaxSizes: readonly number[]
  configRead(offset: number, size: 1 | 2 | 4): number
  configWrite(offset: number, size: 1 | 2 | 4, value: number): void
  /** The driver finished initialisation (DRIVER_OK): the device may use its queues from now on. */
  activate(ctx: VirtioContext): void
  /** The driver wrote QueueNotify. */
  notify(queue: number): void
  /** Status written to 0: forget everything the driver set up. */
  reset(): void
}

export interface VirtioTransportStats {
  notifications: number
  interrupts: number
  suppressedInterrupts: number
  registerReads: number
  registerWrites: number
}

export interface VirtioTransportState {
  status: number
  deviceFeaturesSel: number
  driverFeaturesSel: number
  driverFeatures: string // bigint as decimal text (JSON-safe)
  queueSel: number
  interruptStatus: number
  configGeneration: number
  queues: SplitQueueState[]
  failure: string | null
}

export class VirtioMmioTransport implements MmioDevice {
  readonly size = VIRTIO_MMIO_SLOT_SIZE
  readonly queues: SplitQueue[]
  status = 0
  private deviceFeaturesSel = 0
  private driverFeaturesSel = 0
  driverFeatures = 0n
  private queueSel = 0
  interruptStatus = 0
  private configGeneration = 0
  /** Why the device set DEVICE_NEEDS_RESET, for the event log. */
  failure: string | null = null
  readonly stats: VirtioTransportStats = {
    notifications: 0,
    interrupts: 0,
    suppressedInterrupts: 0,
    registerReads: 0,
    registerWrites: 0
  }

  constructor(
    readonly name: string,
    readonly backend: VirtioBackend,
    readonly mem: DmaSpace,
    private readonly irq: IrqLine
  ) {
    this.queues = backend.queueMaxSizes.map((max) => new SplitQueue(max))
  }

  /** Features offered: the device's own plus VERSION_1 (we implement only the non-legacy interface). */
  get offeredFeatures(): bigint {
    return this.backend.deviceFeatures | featureBit(F_VERSION_1)
  }

  get negotiated(): boolean {
    return (this.status & STATUS_FEATURES_OK) !== 0
  }

  read(offset: number, size: 1 | 2 | 4): number {
    this.stats.registerReads++
    if (offset >= Reg.Config) return this.backend.configRead(offset - Reg.Config, size)
    if (size !== 4) return 0 // the spec requires 32-bit accesses to the register block
    const q = this.queues[this.queueSel]
    switch (offset) {
      case Reg.MagicValue:
        return VIRTIO_MMIO_MAGIC
      case Reg.Version:
        return VIRTIO_MMIO_VERSION
      case Reg.DeviceId:
        return this.backend.deviceId
      case Reg.VendorId:
        return VIRTIO_VENDOR_ID
      case Reg.DeviceFeatures:
        return this.deviceFeaturesSel > 1 ? 0 : Number((this.offeredFeatures >> BigInt(32 * this.deviceFeaturesSel)) & 0xffff_ffffn)
      case Reg.QueueNumMax:
        return q ? q.maxSize : 0
      case Reg.QueueReady:
        return q?.ready ? 1 : 0
      case Reg.InterruptStatus:
        return this.interruptStatus
      case Reg.Status:
        return this.status
      case Reg.ConfigGeneration:
        return this.configGeneration
      case Reg.QueueNum:
        return q ? q.size : 0
      case Reg.QueueDescLow:
        return q ? q.descAddr : 0
      case Reg.QueueDriverLow:
        return q ? q.driverAddr : 0
      case Reg.QueueDeviceLow:
        return q ? q.deviceAddr : 0
      default:
        return 0
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    this.stats.registerWrites++
    if (offset >= Reg.Config) {
      this.backend.configWrite(offset - Reg.Config, size, value)
      return
    }
    if (size !== 4) return
    value >>>= 0
    const q = this.queues[this.queueSel]
    const queueWritable = q !== undefined && !q.ready && (this.status & STATUS_DRIVER_OK) === 0
    switch (offset) {
      case Reg.DeviceFeaturesSel:
        this.deviceFeaturesSel = value
        break
      case Reg.DriverFeaturesSel:
        this.driverFeaturesSel = value
        break
      case Reg.DriverFeatures:
        if (this.driverFeaturesSel <= 1 && (this.status & STATUS_FEATURES_OK) === 0) {
          const shift = BigInt(32 * this.driverFeaturesSel)
          this.driverFeatures = (this.driverFeatures & ~(0xffff_ffffn << shift)) | (BigInt(value) << shift)
        }
        break
      case Reg.QueueSel:
        this.queueSel = value
        break
      case Reg.QueueNum:
        if (queueWritable && value > 0 && value <= q.maxSize && (value & (value - 1)) === 0) q.size = value
        break
      case Reg.QueueReady:
        if (q) this.setQueueReady(q, value === 1)
        break
      case Reg.QueueDescLow:
        if (queueWritable) q.descAddr = value
        break
      case Reg.QueueDriverLow:
        if (queueWritable) q.driverAddr = value
        break
      case Reg.QueueDeviceLow:
        if (queueWritable) q.deviceAddr = value
        break
      case Reg.QueueDescHigh:
      case Reg.QueueDriverHigh:
      case Reg.QueueDeviceHigh:
        if (queueWritable && value !== 0) this.fail('queue address above 4 GiB on a 32-bit machine')
        break
      case Reg.QueueNotify:
        this.stats.notifications++
        if ((this.status & STATUS_DRIVER_OK) && value < this.queues.length && this.queues[value].ready) {
          this.backend.notify(value)
        }
        break
      case Reg.InterruptAck:
        this.interruptStatus &= ~value
        this.updateIrq()
        break
      case Reg.Status:
        this.writeStatus(value & 0xff)
        break
      default:
        break
    }
  }

  private setQueueReady(q: SplitQueue, ready: boolean): void {
    if (!ready) {
      q.ready = false
      return
    }
    if (q.size === 0) q.size = q.maxSize // QueueNum defaults to the maximum
    q.eventIdx = this.eventIdxNegotiated()
    q.ready = true
  }

  eventIdxNegotiated(): boolean {
    return (this.driverFeatures & featureBit(F_EVENT_IDX)) !== 0n
  }

  private writeStatus(value: number): void {
    if (value === 0) {
      this.reset()
      return
    }
    const adding = value & ~this.status
    if (adding & STATUS_FEATURES_OK) {
      // 3.1.1: the device accepts FEATURES_OK only for a subset of what it offered, and we require VERSION_1
      const subset = (this.driverFeatures & ~this.offeredFeatures) === 0n
      const modern = (this.driverFeatures & featureBit(F_VERSION_1)) !== 0n
      if (!subset || !modern) value &= ~STATUS_FEATURES_OK
    }
    if (adding & STATUS_DRIVER_OK && !(value & STATUS_FEATURES_OK)) value &= ~STATUS_DRIVER_OK
    this.status = value | (this.status & (STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED))
    if (adding & STATUS_DRIVER_OK && this.status & STATUS_DRIVER_OK) {
      for (const q of this.queues) q.eventIdx = this.eventIdxNegotiated()
      this.backend.activate(this.context())
    }
  }

  private context(): VirtioContext {
    return {
      mem: this.mem,
      queues: this.queues,
      features: this.driverFeatures,
      interruptUsed: (queue) => this.interruptUsed(queue),
      fail: (reason) => this.fail(reason)
    }
  }

  /** Called by the device after pushing used entries on `queue`. */
  interruptUsed(queue: number): void {
    const q = this.queues[queue]
    if (!q.shouldInterrupt(this.mem)) {
      this.stats.suppressedInterrupts++
      return
    }
    this.stats.interrupts++
    this.interruptStatus |= INT_USED_BUFFER
    this.updateIrq()
  }

  fail(reason: string): void {
    this.failure = reason
    this.status |= STATUS_DEVICE_NEEDS_RESET
    this.interruptStatus |= INT_CONFIG_CHANGE
    this.updateIrq()
  }

  /** The device changed its config space (e.g. link status): bump the generation and raise a config interrupt. */
  configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) >>> 0
    if (this.status & STATUS_DRIVER_OK) {
      this.interruptStatus |= INT_CONFIG_CHANGE
      this.updateIrq()
    }
  }

  reset(): void {
    this.status = 0
    this.driverFeatures = 0n
    this.deviceFeaturesSel = this.driverFeaturesSel = this.queueSel = 0
    this.interruptStatus = 0
    this.failure = null
    for (const q of this.queues) q.reset()
    this.backend.reset()
    this.updateIrq()
  }

  private updateIrq(): void {
    this.irq.set(this.interruptStatus !== 0)
  }

  saveState(): VirtioTransportState {
    return {
      status: this.status,
      deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeaturesSel: this.driverFeaturesSel,
      driverFeatures: this.driverFeatures.toString(),
      queueSel: this.queueSel,
      interruptStatus: this.interruptStatus,
      configGeneration: this.configGeneration,
      queues: this.queues.map((q) => q.saveState()),
      failure: this.failure
    }
  }

  /** Restores transport state; the caller restores the backend and re-activates it if DRIVER_OK is set. */
  loadState(s: VirtioTransportState): void {
    this.status = s.status
    this.deviceFeaturesSel = s.deviceFeaturesSel
    this.driverFeaturesSel = s.driverFeaturesSel
    this.driverFeatures = BigInt(s.driverFeatures)
    this.queueSel = s.queueSel
    this.interruptStatus = s.interruptStatus
    this.configGeneration = s.configGeneration
    s.queues.forEach((qs, i) => this.queues[i]?.loadState(qs))
    for (const q of this.queues) q.eventIdx = this.eventIdxNegotiated()
    this.failure = s.failure
    if (this.status & STATUS_DRIVER_OK) this.backend.activate(this.context())
    this.updateIrq()
  }
}

/** An empty virtio-mmio slot: QEMU's virt board maps all eight transports and a slot without a device answers
 * with the magic value, version 2 and DeviceID 0 ("no device"), so drivers can scan every slot. */
export class EmptyVirtioSlot implements MmioDevice {
  readonly size = VIRTIO_MMIO_SLOT_SIZE
  constructor(readonly name: string) {}

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4) return 0
    if (offset === Reg.MagicValue) return VIRTIO_MMIO_MAGIC
    if (offset === Reg.Version) return VIRTIO_MMIO_VERSION
    if (offset === Reg.VendorId) return VIRTIO_VENDOR_ID
    return 0
  }

  write(): void {}
}
