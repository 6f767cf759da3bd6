// SR-IOV VF + IOMMU at the data level: direct register access, DMA through the VM's domain, a bad DMA blocked and
// logged, posted interrupts; VF + virtio failover across an unplug; the SR-IOV NIC's refusals.
import { describe, expect, it } from 'vitest'
import { Iommu } from '../../../src/main/engine/iommu/iommu'
import { RamDma } from '../../../src/main/engine/devices/virtio/dma'
import { VF_DESC_DD, VF_IRQ_RX, VF_IRQ_TX, VfReg, type SriovVf } from '../../../src/main/engine/devices/net/sriov-vf'
import { SriovNic, isRefusal } from '../../../src/main/engine/devices/net/sriov-nic'
import { FailoverNic } from '../../../src/main/engine/devices/net/failover'
import { VirtioNet } from '../../../src/main/engine/devices/net/virtio-net'
import { EventQueue } from '../../../src/main/engine/network/events'
import { VirtualSwitch } from '../../../src/main/engine/network/switch'
import { ExternalEndpoint } from '../../../src/main/engine/network/endpoint'
import { buildTestFrame, macForNic } from '../../../src/main/engine/network/frame'

const RAM_BASE = 0x8000_0000
const RAM_SIZE = 1 << 20
const TX_RING = RAM_BASE + 0x1000
const RX_RING = RAM_BASE + 0x2000
const BUF = RAM_BASE + 0x10000

function rig(vfs = 2) {
  const ram = new Uint8Array(RAM_SIZE)
  const guest = new RamDma(ram, RAM_BASE) // what the guest driver writes (its own memory)
  const iommu = new Iommu()
  const domain = iommu.createDomain('vm1', ram)
  domain.map(RAM_BASE, 0, RAM_SIZE) // VFIO style: IOVA = guest-physical
  const events = new EventQueue()
  const sw = new VirtualSwitch(events, { perFrameCycles: 500, linkGbps: 10 })
  const endpoint = new ExternalEndpoint(events)
  endpoint.tx = sw.attach('uplink', endpoint)
  const posted: string[] = []
  const nic = new SriovNic(vfs, iommu)
  const port = sw.attach('vm1', { receive: (f) => vf.receive(f) })
  const a = nic.allocate('vm1', 'vm1', macForNic(7), port, { post: (s) => posted.push(s) })
  if (isRefusal(a)) throw new Error(a.code)
  const vf: SriovVf = a.vf
  return { ram, guest, iommu, domain, events, sw, endpoint, posted, nic, vf }
}

type Rig = ReturnType<typeof rig>

/** The guest driver's register writes: plain stores into the directly mapped page. */
function bringUp(r: Rig): void {
  r.vf.write(VfReg.TxBase, 4, TX_RING)
  r.vf.write(VfReg.TxSize, 4, 8)
  r.vf.write(VfReg.RxBase, 4, RX_RING)
  r.vf.write(VfReg.RxSize, 4, 8)
  r.vf.write(VfReg.IrqMask, 4, VF_IRQ_TX | VF_IRQ_RX)
  r.vf.write(VfReg.Ctrl, 4, 1)
}

function queueTx(r: Rig, slot: number, addr: number, len: number): void {
  const d = TX_RING + 16 * slot
  r.guest.writeU32(d, addr)
  r.guest.writeU32(d + 4, 0)
  r.guest.writeU16(d + 8, len)
  r.guest.writeU16(d + 10, 0)
  r.vf.write(VfReg.TxTail, 4, slot + 1)
}

describe('SR-IOV VF behind the IOMMU', () => {
  it('sends by DMA through the domain and completes with a posted interrupt, no exits involved', () => {
    const r = rig()
    bringUp(r)
    const frame = buildTestFrame(r.endpoint.mac, macForNic(7), 5, 0, 128)
    r.guest.write(BUF, frame)
    queueTx(r, 0, BUF, frame.length) // the TX_TAIL doorbell store starts the device
    expect(r.vf.stats.txFrames).toBe(1)
    expect(r.vf.service()).toBe(0) // nothing left to do
    r.events.runUntil(1e6)
    expect(r.endpoint.stats.received).toBe(1)
    expect(r.guest.readU16(TX_RING + 10) & VF_DESC_DD).toBe(VF_DESC_DD)
    expect(r.posted).toEqual(['vf0'])
    expect(r.vf.stats.postedInterrupts).toBe(1)
    expect(r.iommu.faultCount).toBe(0)
    expect(r.iommu.translations).toBeGreaterThan(0)
  })

  it('blocks and logs a DMA outside the VM domain; the VF stops with a DMA error', () => {
    const r = rig()
    bringUp(r)
    const bad = 0x9000_0000 // beyond the VM's memory: another tenant's, or the host's
    queueTx(r, 0, bad, 64)
    expect(r.vf.service()).toBe(0)
    r.events.runUntil(1e6)
    expect(r.endpoint.stats.received).toBe(0)
    expect(r.iommu.faultCount).toBe(1)
    expect(r.iommu.faults[0]).toMatchObject({ domain: 'vm1', device: 'vf0', iova: bad, length: 64, write: false, reason: 'not-mapped' })
    expect(r.vf.read(VfReg.DmaErrors, 4)).toBe(1)
    expect(r.vf.read(VfReg.Status, 4) & 2).toBe(2)
    expect(r.vf.enabled).toBe(false)
    expect(r.posted).toEqual([])
  })

  it('blocks a receive DMA into a page the VMM mapped read-only', () => {
    const r = rig()
    r.domain.map(BUF, BUF - RAM_BASE, 0x1000, false)
    bringUp(r)
    const d = RX_RING
    r.guest.writeU32(d, BUF)
    r.guest.writeU16(d + 8, 1536)
    r.vf.write(VfReg.RxTail, 4, 1)
    r.vf.receive(buildTestFrame(macForNic(7), r.endpoint.mac, 1, 0, 100))
    expect(r.iommu.faults.map((f) => [f.reason, f.write])).toEqual([['read-only', true]])
    expect(r.ram[BUF - RAM_BASE]).toBe(0)
  })

  it('receives into posted buffers with a posted interrupt', () => {
    const r = rig()
    bringUp(r)
    for (let i = 0; i < 4; i++) {
      r.guest.writeU32(RX_RING + 16 * i, BUF + i * 2048)
      r.guest.writeU16(RX_RING + 16 * i + 8, 2048)
    }
    r.vf.write(VfReg.RxTail, 4, 4)
    r.endpoint.generate(macForNic(7), 3, 200, 1000)
    r.events.runUntil(1e7)
    expect(r.vf.stats.rxFrames).toBe(3)
    expect(r.vf.read(VfReg.RxHead, 4)).toBe(3)
    expect(r.guest.readU16(RX_RING + 16 * 2 + 8)).toBe(200)
    expect(r.posted).toHaveLength(3)
  })

  it('the SR-IOV NIC refuses without an IOMMU or a free VF', () => {
    const r = rig(1)
    const second = r.nic.allocate('vm2', 'vm1', macForNic(8), { transmit: () => {} }, { post: () => {} })
    expect(isRefusal(second) && second.code).toBe('IO_NO_FREE_VF')
    const noIommu = new SriovNic(4, null).allocate('vm3', 'x', macForNic(9), { transmit: () => {} }, { post: () => {} })
    expect(isRefusal(noIommu) && noIommu.code).toBe('IO_NO_IOMMU')
    r.nic.release(r.vf)
    expect(r.nic.freeVfs).toBe(1)
    expect(r.iommu.domainOf('vf0')).toBeUndefined()
  })
})

describe('VF + virtio failover', () => {
  it('moves traffic to the virtio standby when the VF is unplugged, and back when re-plugged', () => {
    const r = rig()
    bringUp(r)
    for (let i = 0; i < 8; i++) {
      r.guest.writeU32(RX_RING + 16 * i, BUF + i * 2048)
      r.guest.writeU16(RX_RING + 16 * i + 8, 2048)
    }
    r.vf.write(VfReg.RxTail, 4, 7)
    const standby = new VirtioNet(macForNic(7), { transmit: () => {} })
    const pair = new FailoverNic(standby, r.vf, { take: () => null, give: (f) => r.nic.release(f) })
    const mac = macForNic(7)
    expect(pair.active).toBe('primary')
    pair.receive(buildTestFrame(mac, r.endpoint.mac, 1, 0, 64))
    pair.requestUnplug()
    pair.slot.write(8, 4, 1) // the guest ejects it
    pair.release()
    expect(pair.vf).toBeNull()
    expect(pair.active).toBe('standby')
    pair.receive(buildTestFrame(mac, r.endpoint.mac, 2, 0, 64))
    pair.receive(buildTestFrame(mac, r.endpoint.mac, 3, 0, 64))
    expect(pair.delivered).toEqual({ primary: 1, standby: 2 })
    expect(standby.backlogLength).toBe(2) // the standby driver is not up in this data-level test: frames wait
    expect(r.vf.stats.rxFrames).toBe(1)
    expect(pair.events.map((e) => e.kind)).toEqual(['unplug-request', 'unplug'])
  })
})
