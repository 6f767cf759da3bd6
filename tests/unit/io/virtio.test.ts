import { describe, expect, it } from 'vitest'
import {
  F_EVENT_IDX,
  F_VERSION_1,
  Reg,
  STATUS_ACKNOWLEDGE,
  STATUS_DEVICE_NEEDS_RESET,
  STATUS_DRIVER,
  STATUS_DRIVER_OK,
  STATUS_FEATURES_OK,
  featureBit,
  needEvent
} from '../../../src/main/engine/devices/virtio/constants'
import { RamDma } from '../../../src/main/engine/devices/virtio/dma'
import { VirtioMmioTransport } from '../../../src/main/engine/devices/virtio/mmio'
import { DriverQueue } from '../../../src/main/engine/devices/virtio/driver-queue'
import { VirtioNet, VIRTIO_NET_F_MAC, VIRTIO_NET_HDR_SIZE } from '../../../src/main/engine/devices/net/virtio-net'
import { buildTestFrame, macForNic, parseTestFrame } from '../../../src/main/engine/network/frame'

const RAM_BASE = 0x8000_0000

function rig(queueSize = 8) {
  const ram = new Uint8Array(1 << 20)
  const mem = new RamDma(ram, RAM_BASE)
  const sent: Uint8Array[] = []
  const irqLevels: boolean[] = []
  const net = new VirtioNet(macForNic(1), { transmit: (f) => sent.push(f) })
  const t = new VirtioMmioTransport('virtio0', net, mem, { set: (l) => irqLevels.push(l) })
  return { ram, mem, sent, irqLevels, net, t, queueSize }
}

type Rig = ReturnType<typeof rig>

function negotiate(r: Rig, driverFeatures: bigint): number {
  const { t } = r
  t.write(Reg.Status, 4, 0)
  t.write(Reg.Status, 4, STATUS_ACKNOWLEDGE)
  t.write(Reg.Status, 4, STATUS_ACKNOWLEDGE | STATUS_DRIVER)
  t.write(Reg.DriverFeaturesSel, 4, 0)
  t.write(Reg.DriverFeatures, 4, Number(driverFeatures & 0xffff_ffffn))
  t.write(Reg.DriverFeaturesSel, 4, 1)
  t.write(Reg.DriverFeatures, 4, Number(driverFeatures >> 32n))
  t.write(Reg.Status, 4, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK)
  return t.read(Reg.Status, 4)
}

function setupQueue(r: Rig, index: number, base: number, eventIdx: boolean): DriverQueue {
  const q = new DriverQueue(r.mem, base, r.queueSize)
  q.eventIdx = eventIdx
  r.t.write(Reg.QueueSel, 4, index)
  r.t.write(Reg.QueueNum, 4, r.queueSize)
  r.t.write(Reg.QueueDescLow, 4, q.descAddr)
  r.t.write(Reg.QueueDriverLow, 4, q.availAddr)
  r.t.write(Reg.QueueDeviceLow, 4, q.usedAddr)
  r.t.write(Reg.QueueReady, 4, 1)
  return q
}

function up(r: Rig, eventIdx: boolean): { rx: DriverQueue; tx: DriverQueue } {
  const feats = featureBit(F_VERSION_1) | featureBit(VIRTIO_NET_F_MAC) | (eventIdx ? featureBit(F_EVENT_IDX) : 0n)
  expect(negotiate(r, feats) & STATUS_FEATURES_OK).toBe(STATUS_FEATURES_OK)
  const rx = setupQueue(r, 0, RAM_BASE + 0x1000, eventIdx)
  const tx = setupQueue(r, 1, RAM_BASE + 0x3000, eventIdx)
  r.t.write(Reg.Status, 4, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK)
  expect(r.t.read(Reg.Status, 4) & STATUS_DRIVER_OK).toBe(STATUS_DRIVER_OK)
  return { rx, tx }
}

/** Put a frame (with its virtio-net header) in guest memory and add it to the tx queue; returns whether the
 * driver had to notify. */
function sendFrame(r: Rig, tx: DriverQueue, slot: number, seq: number): boolean {
  const addr = RAM_BASE + 0x10000 + slot * 2048
  const frame = buildTestFrame(macForNic(2), macForNic(1), seq, seq * 10, 64)
  r.mem.write(addr, new Uint8Array(VIRTIO_NET_HDR_SIZE))
  r.mem.write(addr + VIRTIO_NET_HDR_SIZE, frame)
  tx.add([
    { addr, len: VIRTIO_NET_HDR_SIZE, writable: false },
    { addr: addr + VIRTIO_NET_HDR_SIZE, len: frame.length, writable: false }
  ])
  tx.publish()
  const kick = tx.needsKick()
  if (kick) r.t.write(Reg.QueueNotify, 4, 1)
  return kick
}

describe('virtio-mmio transport', () => {
  it('identifies itself as a version 2 virtio-net device with the MAC in config space', () => {
    const r = rig()
    expect(r.t.read(Reg.MagicValue, 4)).toBe(0x74726976)
    expect(r.t.read(Reg.Version, 4)).toBe(2)
    expect(r.t.read(Reg.DeviceId, 4)).toBe(1)
    const mac = [0, 1, 2, 3, 4, 5].map((i) => r.t.read(Reg.Config + i, 1))
    expect(mac).toEqual(Array.from(macForNic(1)))
    expect(r.t.read(Reg.Config + 6, 2) & 1).toBe(1) // LINK_UP
  })

  it('offers MAC, EVENT_IDX and VERSION_1 and accepts only subsets that include VERSION_1', () => {
    const r = rig()
    r.t.write(Reg.DeviceFeaturesSel, 4, 0)
    const lo = r.t.read(Reg.DeviceFeatures, 4)
    r.t.write(Reg.DeviceFeaturesSel, 4, 1)
    const hi = r.t.read(Reg.DeviceFeatures, 4)
    expect(lo & (1 << VIRTIO_NET_F_MAC)).not.toBe(0)
    expect(lo & (1 << F_EVENT_IDX)).not.toBe(0)
    expect(hi & 1).toBe(1) // bit 32
    // legacy driver (no VERSION_1): FEATURES_OK does not stick
    expect(negotiate(r, featureBit(VIRTIO_NET_F_MAC)) & STATUS_FEATURES_OK).toBe(0)
    // a feature the device never offered (bit 3, GUEST_CSUM... not offered here: CSUM is bit 0)
    expect(negotiate(r, featureBit(F_VERSION_1) | 1n) & STATUS_FEATURES_OK).toBe(0)
    // a proper subset
    expect(negotiate(r, featureBit(F_VERSION_1) | featureBit(F_EVENT_IDX)) & STATUS_FEATURES_OK).toBe(STATUS_FEATURES_OK)
    expect(r.t.eventIdxNegotiated()).toBe(true)
    // DRIVER_OK without FEATURES_OK is refused
    r.t.write(Reg.Status, 4, 0)
    r.t.write(Reg.Status, 4, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK)
    expect(r.t.read(Reg.Status, 4) & STATUS_DRIVER_OK).toBe(0)
  })
})

describe('split virtqueue', () => {
  it('transmits frames in order across several wrap-arounds of a small ring', () => {
    const r = rig(4)
    const { tx } = up(r, false)
    for (let seq = 0; seq < 11; seq++) {
      sendFrame(r, tx, seq % 4, seq)
      const used = tx.reap()
      expect(used).toHaveLength(1)
    }
    expect(r.sent.map((f) => parseTestFrame(f)?.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // 11 avail entries on a ring of 4: indices wrapped, and the used index follows
    expect(r.t.queues[1].lastAvail).toBe(11)
    expect(r.mem.readU16(tx.usedAddr + 2)).toBe(11)
  })

  it('handles the 16-bit index wrap at 65535 → 0', () => {
    const r = rig(4)
    const { tx } = up(r, true)
    let kicks = 0
    for (let seq = 0; seq < 65_545; seq++) {
      if (sendFrame(r, tx, seq % 4, seq)) kicks++
      tx.reap()
    }
    expect(r.net.stats.txFrames).toBe(65_545)
    expect(r.t.queues[1].lastAvail).toBe(65_545 & 0xffff)
    expect(parseTestFrame(r.sent[r.sent.length - 1])?.seq).toBe(65_544)
    expect(kicks).toBe(65_545) // the device drains each kick, so every new buffer crosses avail_event
  })

  it('EVENT_IDX: the driver skips notifications while the device has not caught up', () => {
    const r = rig(8)
    const { tx } = up(r, true)
    // first frame: avail_event starts at 0 → kick
    expect(sendFrame(r, tx, 0, 0)).toBe(true)
    tx.reap()
    // the device now sets avail_event = 1; publish three frames without the device running
    const q = r.t.queues[1]
    const before = r.t.stats.notifications
    // simulate a busy device: notifications off while it has work queued
    q.setNotify(r.mem, false)
    let kicks = 0
    for (let seq = 1; seq <= 3; seq++) {
      const addr = RAM_BASE + 0x10000 + seq * 2048
      tx.add([{ addr, len: 64, writable: false }])
      tx.publish()
      if (tx.needsKick()) kicks++
    }
    // only the first of the three crosses avail_event (== 1); the other two are suppressed
    expect(kicks).toBe(1)
    expect(r.t.stats.notifications).toBe(before)
    r.net.processTx()
    expect(r.net.stats.txFrames).toBe(4)
  })

  it('EVENT_IDX: used_event postpones the interrupt until the driver-chosen entry is used', () => {
    const r = rig(8)
    const { tx } = up(r, true)
    // ask to be interrupted only after 4 more completions
    tx.setUsedEvent(4)
    r.t.stats.interrupts = 0
    r.t.stats.suppressedInterrupts = 0
    for (let seq = 0; seq < 4; seq++) sendFrame(r, tx, seq, seq)
    // first decision is always an interrupt (no previous signal), later ones follow used_event
    expect(r.t.stats.interrupts + r.t.stats.suppressedInterrupts).toBe(4)
    expect(r.t.stats.interrupts).toBe(2)
    expect(tx.reap()).toHaveLength(4)
    expect(r.t.read(Reg.InterruptStatus, 4) & 1).toBe(1)
    r.t.write(Reg.InterruptAck, 4, 1)
    expect(r.t.read(Reg.InterruptStatus, 4)).toBe(0)
    expect(r.irqLevels[r.irqLevels.length - 1]).toBe(false)
  })

  it('without EVENT_IDX the device uses NO_NOTIFY while draining and the driver honours it', () => {
    const r = rig(8)
    const { tx } = up(r, false)
    r.t.queues[1].setNotify(r.mem, false)
    tx.add([{ addr: RAM_BASE + 0x10000, len: 64, writable: false }])
    tx.publish()
    expect(tx.needsKick()).toBe(false)
    r.t.queues[1].setNotify(r.mem, true)
    tx.add([{ addr: RAM_BASE + 0x10000, len: 64, writable: false }])
    tx.publish()
    expect(tx.needsKick()).toBe(true)
  })

  it('receives frames into driver buffers with a virtio_net_hdr and raises the PLIC line', () => {
    const r = rig(8)
    const { rx } = up(r, true)
    for (let i = 0; i < 4; i++) rx.add([{ addr: RAM_BASE + 0x20000 + i * 2048, len: 1526, writable: true }])
    rx.publish()
    if (rx.needsKick()) r.t.write(Reg.QueueNotify, 4, 0)
    const frame = buildTestFrame(macForNic(1), macForNic(2), 42, 1000, 100)
    r.net.receive(frame)
    const used = rx.reap()
    expect(used).toHaveLength(1)
    expect(used[0].len).toBe(VIRTIO_NET_HDR_SIZE + frame.length)
    const got = r.mem.read(RAM_BASE + 0x20000 + used[0].id * 2048 + VIRTIO_NET_HDR_SIZE, frame.length)
    expect(parseTestFrame(got)).toEqual({ seq: 42, sentAt: 1000 })
    expect(r.irqLevels[r.irqLevels.length - 1]).toBe(true)
  })

  it('a descriptor loop sets DEVICE_NEEDS_RESET instead of hanging', () => {
    const r = rig(4)
    const { tx } = up(r, false)
    // descriptor 0 → 1 → 0 ... with NEXT set on both
    for (const [i, next] of [[0, 1], [1, 0]]) {
      const d = tx.descAddr + 16 * i
      r.mem.writeU32(d, RAM_BASE + 0x10000)
      r.mem.writeU32(d + 8, 16)
      r.mem.writeU16(d + 12, 1)
      r.mem.writeU16(d + 14, next)
    }
    r.mem.writeU16(tx.availAddr + 4, 0)
    r.mem.writeU16(tx.availAddr + 2, 1)
    r.t.write(Reg.QueueNotify, 4, 1)
    expect(r.t.read(Reg.Status, 4) & STATUS_DEVICE_NEEDS_RESET).toBe(STATUS_DEVICE_NEEDS_RESET)
    expect(r.t.failure).toMatch(/loop/)
  })

  it('needEvent follows the spec formula including wrap', () => {
    expect(needEvent(5, 6, 5)).toBe(true)
    expect(needEvent(5, 5, 4)).toBe(false)
    expect(needEvent(0xffff, 0, 0xfffe)).toBe(true)
    expect(needEvent(3, 10, 5)).toBe(false)
  })
})
