// The byte channel between a migration source and its destination. Frames are ordered and reliable; either
// side may close it (a link drop), after which the other side sees onClose. Implemented over a worker_threads
// MessagePort (the two hosts' workers each hold one end of a MessageChannel); frames are transferred, so no
// memory is shared.
import type { MessagePort } from 'node:worker_threads'

export interface MigrationChannel {
  send(frame: Uint8Array): void
  onFrame(handler: (frame: Uint8Array) => void): void
  onClose(handler: () => void): void
  /** Drop the link. Idempotent. */
  close(): void
  readonly closed: boolean
}

/** Wrap one end of a worker_threads MessageChannel. */
export function channelFromPort(port: MessagePort): MigrationChannel {
  let closed = false
  const closeHandlers: (() => void)[] = []
  const markClosed = (): void => {
    if (closed) return
    closed = true
    for (const h of closeHandlers) h()
  }
  port.on('close', markClosed)
  return {
    send(frame) {
      if (closed) return
      // the frame's buffer moves to the other side (a view keeps its offset and length); the sender must not
      // touch it afterwards
      if (frame.buffer instanceof ArrayBuffer) port.postMessage(frame, [frame.buffer])
      else port.postMessage(frame)
    },
    onFrame(handler) {
      port.on('message', (data: unknown) => {
        if (closed) return
        if (data instanceof Uint8Array) handler(data)
      })
    },
    onClose(handler) {
      closeHandlers.push(handler)
    },
    close() {
      if (closed) return
      port.close()
      markClosed()
    },
    get closed() {
      return closed
    }
  }
}
