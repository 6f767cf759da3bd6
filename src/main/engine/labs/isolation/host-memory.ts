// The memory of one simulated host as the VMM process sees it: every VM's guest RAM and the VMM's own buffers are
// regions of one host address space (one host worker runs all VMs of a host, as a single-process VMM does). The
// regions are laid out back to back in creation order, page aligned, from HOST_ARENA_BASE. Nothing guest-visible
// depends on these addresses; they exist so that a device-model flaw has somewhere real to read, and so the lab
// can say exactly which region (and which VM) an access reached.

export const HOST_ARENA_BASE = 0x7f3a_0000_0000
const HOST_PAGE = 4096

export interface HostRegion {
  /** e.g. 'attacker-vm:ram' */
  name: string
  /** Which tenant the region belongs to ('attacker', 'victim', or 'host' for VMM buffers). */
  owner: string
  base: number
  bytes: Uint8Array
  /** For guest RAM: the guest-physical address of bytes[0]. */
  guestBase?: number
}

export class HostMemory {
  private readonly regions: HostRegion[] = []
  private next = HOST_ARENA_BASE

  /** Places `bytes` (kept by reference: guest RAM stays live) at the next page-aligned host address. */
  add(name: string, owner: string, bytes: Uint8Array, guestBase?: number): HostRegion {
    const r: HostRegion = { name, owner, base: this.next, bytes, guestBase }
    this.regions.push(r)
    this.next += Math.ceil(bytes.length / HOST_PAGE) * HOST_PAGE
    return r
  }

  regionAt(addr: number): HostRegion | null {
    for (const r of this.regions) if (addr >= r.base && addr < r.base + r.bytes.length) return r
    return null
  }

  /** One byte of host memory; 0 in the gaps between regions (unused host memory reads as zero). */
  byte(addr: number): number {
    const r = this.regionAt(addr)
    return r ? r.bytes[addr - r.base] : 0
  }

  list(): readonly HostRegion[] {
    return this.regions
  }
}
