// The three NIC paths with the same guest workload on the real engine (hardware-assisted VMs).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NET_LAB_COLUMNS, netLabImage, runNetLab, toCsv, type NetPath } from '../../../src/main/engine/labs/io/net-lab'

const dir = join(__dirname, '../../../resources/guest/iolab')
const image = (p: NetPath) => new Uint8Array(readFileSync(join(dir, netLabImage(p))))

describe('network lab: emulated vs virtio vs SR-IOV', () => {
  const rows = runNetLab({ emulated: image('emulated'), virtio: image('virtio'), 'sriov-vf': image('sriov-vf') }, { packets: 480, pings: 20, frameSize: 64 })
  const row = (p: NetPath) => rows.find((r) => r.path === p) ?? expect.unreachable()

  it('delivers every frame and every echo on every path', () => {
    for (const r of rows) {
      expect(r.delivered).toBe(480)
      expect(r.pings).toBe(20)
    }
  })

  it('exits per packet: 3 register exits on the emulated NIC, one notification per 16-frame batch on virtio, none on the VF', () => {
    expect(row('emulated').exitsPerPacket).toBe(3)
    expect(row('virtio').exitsPerPacket).toBe(30 / 480)
    expect(row('sriov-vf').exitsPerPacket).toBe(0)
    expect(row('sriov-vf').exitsPerRoundTrip).toBe(0)
    expect(row('sriov-vf').postedInterrupts).toBeGreaterThan(0)
    expect(row('virtio').postedInterrupts).toBe(0)
  })

  it('throughput and latency order: VF > virtio > emulated', () => {
    expect(row('sriov-vf').packetsPerSecond).toBeGreaterThan(row('virtio').packetsPerSecond)
    expect(row('virtio').packetsPerSecond).toBeGreaterThan(5 * row('emulated').packetsPerSecond)
    expect(row('sriov-vf').rttMeanNs).toBeLessThan(row('virtio').rttMeanNs)
    expect(row('virtio').rttMeanNs).toBeLessThan(row('emulated').rttMeanNs)
    // a round trip cannot beat the wire: two 84-byte frames at 10 Gbit/s per direction, twice through the switch
    expect(row('sriov-vf').rttMinNs).toBeGreaterThan(4 * 68)
  })

  it('exports the table as CSV', () => {
    const csv = toCsv(rows, NET_LAB_COLUMNS)
    const lines = csv.trimEnd().split('\r\n')
    expect(lines).toHaveLength(4)
    expect(lines[0].split(',')).toEqual(NET_LAB_COLUMNS)
    expect(lines[1].startsWith('emulated,hardware-assisted,480,480,3,22800,')).toBe(true)
  })
})
