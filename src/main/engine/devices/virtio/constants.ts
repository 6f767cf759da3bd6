// Numbers from the virtio 1.x specification (OASIS virtio v1.2): the MMIO register layout (4.2.2), status
// bits (2.1), reserved feature bits (6) and the split-virtqueue layout (2.7).

export const VIRTIO_MMIO_MAGIC = 0x74726976 // "virt" little-endian
export const VIRTIO_MMIO_VERSION = 2 // the non-legacy (virtio 1.x) MMIO interface
/** Our vendor id: "VMMW" in ASCII; virtio leaves the value to the implementer (QEMU uses "QEMU"). */
export const VIRTIO_VENDOR_ID = 0x574d4d56

export const enum Reg {
  MagicValue = 0x000,
  Version = 0x004,
  DeviceId = 0x008,
  VendorId = 0x00c,
  DeviceFeatures = 0x010,
  DeviceFeaturesSel = 0x014,
  DriverFeatures = 0x020,
  DriverFeaturesSel = 0x024,
  QueueSel = 0x030,
  QueueNumMax = 0x034,
  QueueNum = 0x038,
  QueueReady = 0x044,
  QueueNotify = 0x050,
  InterruptStatus = 0x060,
  InterruptAck = 0x064,
  Status = 0x070,
  QueueDescLow = 0x080,
  QueueDescHigh = 0x084,
  QueueDriverLow = 0x090,
  QueueDriverHigh = 0x094,
  QueueDeviceLow = 0x0a0,
  QueueDeviceHigh = 0x0a4,
  ConfigGeneration = 0x0fc,
  Config = 0x100
}

export const STATUS_ACKNOWLEDGE = 1
export const STATUS_DRIVER = 2
export const STATUS_DRIVER_OK = 4
export const STATUS_FEATURES_OK = 8
export const STATUS_DEVICE_NEEDS_RESET = 64
export const STATUS_FAILED = 128

/** InterruptStatus bits. */
export const INT_USED_BUFFER = 1
export const INT_CONFIG_CHANGE = 2

/** Device-independent feature bits. */
export const F_INDIRECT_DESC = 28
export const F_EVENT_IDX = 29
export const F_VERSION_1 = 32

/** Device ids. */
export const DEVICE_ID_NET = 1

/** Split virtqueue descriptor flags and ring flags. */
export const DESC_F_NEXT = 1
export const DESC_F_WRITE = 2
export const DESC_F_INDIRECT = 4
export const AVAIL_F_NO_INTERRUPT = 1
export const USED_F_NO_NOTIFY = 1

export const DESC_SIZE = 16
export const USED_ELEM_SIZE = 8

/** The MMIO window of one virtio-mmio slot on the virt board. */
export const VIRTIO_MMIO_SLOT_SIZE = 0x1000
export const VIRTIO_MMIO_BASE = 0x1000_1000
export const VIRTIO_SLOTS = 8

/** Base address and PLIC interrupt number of virtio-mmio slot n (0..7), as on QEMU's virt board. */
export function virtioSlot(n: number): { base: number; irq: number } {
  if (!Number.isInteger(n) || n < 0 || n >= VIRTIO_SLOTS) throw new RangeError(`virtio slot ${n} out of 0..7`)
  return { base: VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_SLOT_SIZE, irq: n + 1 }
}

export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit)
}

/** The virtio "need event" test: should the other side be told, given its event index `event`, when our index
 * moves from `oldIdx` to `newIdx` (all 16-bit, wrapping)? True iff event lies in [oldIdx, newIdx). */
export function needEvent(event: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - event - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff)
}
