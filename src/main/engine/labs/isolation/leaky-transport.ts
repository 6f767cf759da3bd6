// The VMM flaw of the isolation lab, as a real code path: the VMM's handler for the eight virtio-mmio slots of the
// attacker VM, none of which has a device behind it.
//
// Correct model (flawed = false): every slot answers like QEMU's empty virtio-mmio slot: MagicValue, Version 2,
// VendorID, DeviceID 0, every other register and the config space read 0 (config_len is 0, and a config read
// past config_len returns nothing, as QEMU's virtio_config_read* checks).
//
// Flawed model (the seeded flaw model switched it on for this trial): two checks are missing.
//  1. The register decode does not check the register offset: every access to an empty slot is handed to the
//     config data port.
//  2. The data port reads from the transport's host-side config buffer at a cursor that advances with each access
//     and is never checked against config_len, so successive reads walk on through host memory: past the buffer,
//     into whatever the host placed next. (The same shape as CVE-2015-3456 "VENOM": QEMU's floppy controller let
//     its FIFO index run past the buffer.)
// Every read that reaches host memory not owned by the attacker is logged: slot, offset, host address, region and
// bytes, so the lab can show the exact access that crossed the boundary.
import type { MmioDevice } from '../../devices/virtio/dma'
import { EmptyVirtioSlot } from '../../devices/virtio/mmio'
import { VIRTIO_BASE, VIRTIO_COUNT, VIRTIO_STRIDE } from '../../machine/board'
import type { HostMemory, HostRegion } from './host-memory'

/** The transport's host-side config staging buffer (bytes). */
export const CONFIG_BUFFER_SIZE = 256

/** One guest read the flawed model served from host memory outside the attacker's own regions. */
export interface CrossingAccess {
  /** Index of the read among all reads the transport served (1-based). */
  read: number
  /** Guest-physical address the attacker VM accessed. */
  gpa: number
  slot: number
  offset: number
  size: number
  hostAddress: number
  region: string
  owner: string
  /** If the region is guest RAM: the guest-physical address in the owner's VM. */
  ownerGpa: number | null
  /** The bytes returned (hex). */
  bytes: string
}

const CROSSING_LOG = 512
const VISIT_LOG = 4096

/** One read of a whole register window by the attacker (a run of reads starting at offset 0 of a slot). */
export interface DeviceVisit {
  /** 1-based index of the visit, and of its first read among all reads. */
  visit: number
  firstRead: number
  slot: number
  reads: number
  /** Flawed model: the host addresses the visit's reads covered, and the regions they fell in. */
  hostStart: number | null
  hostEnd: number | null
  regions: string[]
}

export class LeakyVirtioTransport implements MmioDevice {
  readonly name = 'virtio-mmio'
  readonly size = VIRTIO_STRIDE * VIRTIO_COUNT
  readonly base = VIRTIO_BASE
  readonly configBuffer: HostRegion
  private readonly empty = new EmptyVirtioSlot('empty')
  private cursor = 0
  private reads = 0
  /** Reads that reached memory outside the attacker's regions; the first one, and the last CROSSING_LOG. */
  firstCrossing: CrossingAccess | null = null
  /** The first read that reached memory of another tenant (a VM's RAM, not free host memory). */
  firstIntoTenant: CrossingAccess | null = null
  private readonly recent: CrossingAccess[] = []
  crossings = 0
  readonly visits: DeviceVisit[] = []

  constructor(
    private readonly host: HostMemory,
    private readonly attacker: string,
    readonly flawed: boolean
  ) {
    this.configBuffer = host.add(`${attacker}-vm:virtio-config-buffer`, attacker, new Uint8Array(CONFIG_BUFFER_SIZE))
  }

  read(offset: number, size: 1 | 2 | 4): number {
    this.reads++
    const slot = offset >>> 12
    const reg = offset & (VIRTIO_STRIDE - 1)
    const at = this.configBuffer.base + this.cursor
    this.track(slot, reg, size, at)
    if (!this.flawed) return this.empty.read(reg, size)
    // flawed decode: every register of an empty slot is the config data port; the cursor is not checked
    this.cursor += size
    let value = 0
    for (let i = 0; i < size; i++) value |= this.host.byte(at + i) << (8 * i)
    this.observe(slot, reg, size, at)
    return value >>> 0
  }

  write(): void {}

  /** The last logged crossing reads (oldest first). */
  recentCrossings(): CrossingAccess[] {
    return this.recent.slice()
  }

  private track(slot: number, reg: number, size: number, at: number): void {
    let v = this.visits.at(-1)
    if (!v || reg === 0 || v.slot !== slot) {
      if (this.visits.length >= VISIT_LOG) return
      v = { visit: this.visits.length + 1, firstRead: this.reads, slot, reads: 0, hostStart: null, hostEnd: null, regions: [] }
      this.visits.push(v)
    }
    v.reads++
    if (!this.flawed) return
    v.hostStart ??= at
    v.hostEnd = at + size
    const name = this.host.regionAt(at)?.name ?? '(unmapped host memory)'
    if (!v.regions.includes(name)) v.regions.push(name)
  }

  private observe(slot: number, reg: number, size: number, at: number): void {
    const r = this.host.regionAt(at)
    if (r && r.owner === this.attacker) return
    const bytes: string[] = []
    for (let i = 0; i < size; i++) bytes.push(this.host.byte(at + i).toString(16).padStart(2, '0'))
    const a: CrossingAccess = {
      read: this.reads,
      gpa: this.base + slot * VIRTIO_STRIDE + reg,
      slot,
      offset: reg,
      size,
      hostAddress: at,
      region: r ? r.name : '(unmapped host memory)',
      owner: r ? r.owner : 'host',
      ownerGpa: r && r.guestBase !== undefined ? r.guestBase + (at - r.base) : null,
      bytes: bytes.join('')
    }
    this.crossings++
    if (!this.firstCrossing) this.firstCrossing = a
    if (!this.firstIntoTenant && r) this.firstIntoTenant = a
    this.recent.push(a)
    if (this.recent.length > CROSSING_LOG) this.recent.shift()
  }
}
