// Receiving side of a migration channel for one endpoint: control messages wait in a queue until the driver
// asks for them; other frames go to a handler at once; a link drop wakes every waiter with MIGRATION_LINK_DOWN.
import { EngineError } from '../errors'
import type { MigrationChannel } from './channel'
import { FRAME_CONTROL, frameJson, type ControlMessage, type ControlOp } from './wire'

type Waiter = { ops: readonly ControlOp[]; resolve: (m: ControlMessage) => void; reject: (e: Error) => void }

export function linkDownError(): EngineError {
  return new EngineError('MIGRATION_LINK_DOWN', 'the migration link dropped', {})
}

export class ControlInbox {
  private readonly queue: ControlMessage[] = []
  private readonly waiters: Waiter[] = []
  private down = false

  constructor(
    channel: MigrationChannel,
    onDataFrame: (frame: Uint8Array) => void,
    private readonly onControl: (msg: ControlMessage) => boolean = () => false
  ) {
    channel.onFrame((frame) => {
      if (frame[0] !== FRAME_CONTROL) {
        onDataFrame(frame)
        return
      }
      const msg = frameJson(frame) as ControlMessage
      if (this.onControl(msg)) return // consumed by the immediate handler (acks)
      const i = this.waiters.findIndex((w) => w.ops.includes(msg.op))
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg)
      else this.queue.push(msg)
    })
    channel.onClose(() => {
      this.down = true
      for (const w of this.waiters.splice(0)) w.reject(linkDownError())
    })
  }

  get linkDown(): boolean {
    return this.down
  }

  /** The next control message whose op is one of `ops` (earlier queued ones first). */
  next(ops: readonly ControlOp[]): Promise<ControlMessage> {
    const i = this.queue.findIndex((m) => ops.includes(m.op))
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0])
    if (this.down) return Promise.reject(linkDownError())
    return new Promise((resolve, reject) => this.waiters.push({ ops, resolve, reject }))
  }
}

/** Let the event loop deliver channel messages (cancel, acks, link drops) between compute-heavy steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
