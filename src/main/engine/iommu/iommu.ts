// The IOMMU: every DMA from a passed-through device (an SR-IOV VF) is translated through the page table of the
// device's domain — one domain per VM, as VFIO sets up (I/O virtual address = the VM's guest-physical address,
// translated to the host memory backing that page). An access to an unmapped page, or a write to a read-only
// mapping, is blocked and logged; the device sees a fault instead of reaching memory it does not own.
import { DmaFault, type DmaSpace } from '../devices/virtio/dma'

export const IOMMU_PAGE = 4096
const LEVEL_ENTRIES = 1024 // two-level table over a 32-bit IOVA space: 10 + 10 + 12 bits, as Sv32
const PERM_R = 1
const PERM_W = 2

export interface IommuFault {
  domain: string
  device: string
  iova: number
  length: number
  write: boolean
  reason: 'not-mapped' | 'read-only'
  /** Monotonic fault number within this IOMMU (no wall clock in the engine). */
  seq: number
}

export interface IommuMapping {
  iova: number
  /** Offset of the page in the backing memory (the VM's RAM). */
  target: number
  readable: boolean
  writable: boolean
}

/** One domain: a two-level page table, IOVA page → backing page with R/W permissions. Entries are
 * (target page number << 2) | perms, 0 = not present. */
export class IommuDomain {
  private readonly top: (Uint32Array | undefined)[] = new Array(LEVEL_ENTRIES)
  mappedPages = 0
  /** Told after every DMA write into `backing` (offset, length): the owning VM's ramWritten. */
  onWrite: (offset: number, length: number) => void = () => {}

  constructor(
    readonly name: string,
    readonly backing: Uint8Array
  ) {}

  /** Map [iova, iova+size) to [target, target+size) of the backing memory (page aligned). */
  map(iova: number, target: number, size: number, writable = true): void {
    if (iova % IOMMU_PAGE || target % IOMMU_PAGE || size % IOMMU_PAGE) throw new RangeError('IOMMU mappings are page aligned')
    if (target < 0 || target + size > this.backing.length) throw new RangeError('IOMMU mapping outside the backing memory')
    for (let off = 0; off < size; off += IOMMU_PAGE) {
      const page = ((iova + off) >>> 0) / IOMMU_PAGE
      let leaf = this.top[page >>> 10]
      if (!leaf) leaf = this.top[page >>> 10] = new Uint32Array(LEVEL_ENTRIES)
      if (leaf[page & 1023] === 0) this.mappedPages++
      leaf[page & 1023] = (((target + off) / IOMMU_PAGE) << 2) | PERM_R | (writable ? PERM_W : 0)
    }
  }

  unmap(iova: number, size: number): void {
    for (let off = 0; off < size; off += IOMMU_PAGE) {
      const page = ((iova + off) >>> 0) / IOMMU_PAGE
      const leaf = this.top[page >>> 10]
      if (leaf && leaf[page & 1023] !== 0) {
        leaf[page & 1023] = 0
        this.mappedPages--
      }
    }
  }

  /** Backing offset for one byte address, or a reason it is blocked. */
  lookup(iova: number, write: boolean): number | 'not-mapped' | 'read-only' {
    const page = (iova >>> 0) >>> 12
    const e = this.top[page >>> 10]?.[page & 1023] ?? 0
    if (e === 0) return 'not-mapped'
    if (write && !(e & PERM_W)) return 'read-only'
    return (e >>> 2) * IOMMU_PAGE + (iova & (IOMMU_PAGE - 1))
  }

  mappings(): IommuMapping[] {
    const out: IommuMapping[] = []
    this.top.forEach((leaf, hi) => {
      if (!leaf) return
      leaf.forEach((e, lo) => {
        if (e) out.push({ iova: ((hi << 10) | lo) * IOMMU_PAGE, target: (e >>> 2) * IOMMU_PAGE, readable: true, writable: (e & PERM_W) !== 0 })
      })
    })
    return out
  }
}

const FAULT_LOG_LIMIT = 1024

export class Iommu {
  private readonly domains = new Map<string, IommuDomain>()
  private readonly attached = new Map<string, IommuDomain>()
  /** Most recent faults (bounded); `faultCount` keeps the total. */
  readonly faults: IommuFault[] = []
  faultCount = 0
  translations = 0

  createDomain(name: string, backing: Uint8Array): IommuDomain {
    const d = new IommuDomain(name, backing)
    this.domains.set(name, d)
    return d
  }

  domain(name: string): IommuDomain | undefined {
    return this.domains.get(name)
  }

  /** Put a device (by requester id, e.g. "vf3") in a domain. A device in no domain has every DMA blocked. */
  attach(device: string, domain: IommuDomain): void {
    this.attached.set(device, domain)
  }

  detach(device: string): void {
    this.attached.delete(device)
  }

  domainOf(device: string): IommuDomain | undefined {
    return this.attached.get(device)
  }

  /** The DMA address space a device sees. */
  dmaFor(device: string): DmaSpace {
    return new IommuDma(this, device)
  }

  /** Translate a DMA of `length` bytes page by page; returns backing offsets per page chunk or throws DmaFault
   * after logging. */
  translate(device: string, iova: number, length: number, write: boolean): { domain: IommuDomain; chunks: [number, number][] } {
    const domain = this.attached.get(device)
    const chunks: [number, number][] = []
    let addr = iova >>> 0
    let left = length
    while (left > 0) {
      const inPage = Math.min(left, IOMMU_PAGE - (addr & (IOMMU_PAGE - 1)))
      const r = domain ? domain.lookup(addr, write) : 'not-mapped'
      if (typeof r !== 'number') this.block(domain?.name ?? '(none)', device, iova, length, write, r)
      chunks.push([r as number, inPage])
      addr = (addr + inPage) >>> 0
      left -= inPage
    }
    this.translations++
    return { domain: domain as IommuDomain, chunks }
  }

  private block(domain: string, device: string, iova: number, length: number, write: boolean, reason: IommuFault['reason']): never {
    this.faultCount++
    if (this.faults.length >= FAULT_LOG_LIMIT) this.faults.shift()
    this.faults.push({ domain, device, iova: iova >>> 0, length, write, reason, seq: this.faultCount })
    throw new DmaFault('IOMMU_BLOCKED', iova >>> 0, length, write)
  }
}

/** A device's view of memory through the IOMMU. */
class IommuDma implements DmaSpace {
  constructor(
    private readonly iommu: Iommu,
    private readonly device: string
  ) {}

  read(addr: number, length: number): Uint8Array {
    const { domain, chunks } = this.iommu.translate(this.device, addr, length, false)
    const out = new Uint8Array(length)
    let at = 0
    for (const [off, n] of chunks) {
      out.set(domain.backing.subarray(off, off + n), at)
      at += n
    }
    return out
  }

  write(addr: number, bytes: Uint8Array): void {
    const { domain, chunks } = this.iommu.translate(this.device, addr, bytes.length, true)
    let at = 0
    for (const [off, n] of chunks) {
      domain.backing.set(bytes.subarray(at, at + n), off)
      domain.onWrite(off, n)
      at += n
    }
  }

  readU16(addr: number): number {
    const b = this.read(addr, 2)
    return b[0] | (b[1] << 8)
  }

  readU32(addr: number): number {
    const b = this.read(addr, 4)
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0
  }

  writeU16(addr: number, value: number): void {
    this.write(addr, new Uint8Array([value & 0xff, (value >>> 8) & 0xff]))
  }

  writeU32(addr: number, value: number): void {
    this.write(addr, new Uint8Array([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]))
  }
}
