// virtio-net device logic (virtio 1.x, 5.1) on top of the transport: queue 0 = receiveq, queue 1 = transmitq,
// every buffer starts with the 12-byte virtio_net_hdr (VERSION_1 layout, num_buffers included). Config space:
// mac[6], status u16 (LINK_UP), max_virtqueue_pairs u16. No offloads are offered, so headers carry no GSO/csum.
import { DEVICE_ID_NET, F_EVENT_IDX, featureBit } from '../virtio/constants'
import type { VirtioBackend, VirtioContext } from '../virtio/mmio'
import { QueueError, readChain, writeChain } from '../virtio/queue'
import { DmaFault } from '../virtio/dma'
import type { FrameRx, FrameTx, Mac } from '../../network/frame'

export const VIRTIO_NET_F_MAC = 5
export const VIRTIO_NET_F_STATUS = 16
export const VIRTIO_NET_S_LINK_UP = 1
export const VIRTIO_NET_HDR_SIZE = 12
export const RX_QUEUE = 0
export const TX_QUEUE = 1
export const VIRTIO_NET_QUEUE_SIZE = 256
/** Frames waiting for receive buffers before we drop (like a tap device's queue). */
const RX_BACKLOG_LIMIT = 256

export interface VirtioNetStats {
  txFrames: number
  txBytes: number
  rxFrames: number
  rxBytes: number
  rxDropped: number
  /** Times the device processed the tx queue because of a notification. */
  txKicks: number
}

export interface VirtioNetState {
  mac: number[]
  linkUp: boolean
  backlog: number[][]
  stats: VirtioNetStats
}

export class VirtioNet implements VirtioBackend, FrameRx {
  readonly deviceId = DEVICE_ID_NET
  readonly deviceFeatures = featureBit(VIRTIO_NET_F_MAC) | featureBit(VIRTIO_NET_F_STATUS) | featureBit(F_EVENT_IDX)
  readonly queueMaxSizes = [VIRTIO_NET_QUEUE_SIZE, VIRTIO_NET_QUEUE_SIZE]
  private ctx: VirtioContext | null = null
  private backlog: Uint8Array[] = []
  linkUp = true
  readonly stats: VirtioNetStats = { txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, rxDropped: 0, txKicks: 0 }

  constructor(
    readonly mac: Mac,
    private tx: FrameTx
  ) {}

  /** Re-attach the device to another network port (e.g. after migration). */
  connect(tx: FrameTx): void {
    this.tx = tx
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    const cfg = new Uint8Array(10)
    cfg.set(this.mac, 0)
    cfg[6] = this.linkUp ? VIRTIO_NET_S_LINK_UP : 0
    cfg[8] = 1 // max_virtqueue_pairs
    let v = 0
    for (let i = 0; i < size; i++) v |= (cfg[offset + i] ?? 0) << (8 * i)
    return v >>> 0
  }

  configWrite(): void {
    // the MAC is read-only once VIRTIO_NET_F_MAC is offered; nothing else is writable
  }

  activate(ctx: VirtioContext): void {
    this.ctx = ctx
  }

  reset(): void {
    this.ctx = null
    this.backlog = []
  }

  get active(): boolean {
    return this.ctx !== null
  }

  notify(queue: number): void {
    if (queue === TX_QUEUE) {
      this.stats.txKicks++
      this.processTx()
    } else if (queue === RX_QUEUE) {
      this.flushRx()
    }
  }

  /** Drain the transmit queue, with notifications disabled while we work (virtio 2.7.10 suppression), then
   * re-enable and look once more so a buffer published in between is not stranded. */
  processTx(): void {
    const ctx = this.ctx
    if (!ctx) return
    const q = ctx.queues[TX_QUEUE]
    let sent = 0
    try {
      for (;;) {
        q.setNotify(ctx.mem, false)
        let chain = q.pop(ctx.mem)
        while (chain) {
          const bytes = readChain(ctx.mem, chain)
          if (bytes.length > VIRTIO_NET_HDR_SIZE) {
            const frame = bytes.slice(VIRTIO_NET_HDR_SIZE)
            this.stats.txFrames++
            this.stats.txBytes += frame.length
            this.tx.transmit(frame)
          }
          q.pushUsed(ctx.mem, chain.head, 0)
          sent++
          chain = q.pop(ctx.mem)
        }
        q.setNotify(ctx.mem, true)
        if (q.pending(ctx.mem) === 0) break
      }
    } catch (e) {
      this.broken(ctx, e)
      return
    }
    if (sent > 0) ctx.interruptUsed(TX_QUEUE)
  }

  /** A frame from the network for this NIC. */
  receive(frame: Uint8Array): void {
    if (!this.linkUp) return
    if (this.backlog.length >= RX_BACKLOG_LIMIT) {
      this.stats.rxDropped++
      return
    }
    this.backlog.push(frame)
    this.flushRx()
  }

  /** Frames received but not yet placed in guest buffers. */
  get backlogLength(): number {
    return this.backlog.length
  }

  private flushRx(): void {
    const ctx = this.ctx
    if (!ctx || this.backlog.length === 0) return
    const q = ctx.queues[RX_QUEUE]
    let delivered = 0
    try {
      while (this.backlog.length > 0) {
        const chain = q.pop(ctx.mem)
        if (!chain) break
        const frame = this.backlog.shift() as Uint8Array
        const packet = new Uint8Array(VIRTIO_NET_HDR_SIZE + frame.length)
        packet[10] = 1 // num_buffers = 1 (little-endian u16 at offset 10)
        packet.set(frame, VIRTIO_NET_HDR_SIZE)
        const written = writeChain(ctx.mem, chain, packet)
        q.pushUsed(ctx.mem, chain.head, written)
        this.stats.rxFrames++
        this.stats.rxBytes += frame.length
        delivered++
      }
    } catch (e) {
      this.broken(ctx, e)
      return
    }
    if (delivered > 0) ctx.interruptUsed(RX_QUEUE)
  }

  private broken(ctx: VirtioContext, e: unknown): void {
    if (e instanceof QueueError || e instanceof DmaFault) {
      ctx.fail(e.message)
      this.ctx = null
      return
    }
    throw e
  }

  saveState(): VirtioNetState {
    return {
      mac: Array.from(this.mac),
      linkUp: this.linkUp,
      backlog: this.backlog.map((f) => Array.from(f)),
      stats: { ...this.stats }
    }
  }

  loadState(s: VirtioNetState): void {
    this.mac.set(s.mac)
    this.linkUp = s.linkUp
    this.backlog = s.backlog.map((f) => new Uint8Array(f))
    Object.assign(this.stats, s.stats)
  }
}
