// Transport over the lab server's WebSocket (same origin; the access token travels in the HttpOnly cookie the
// server set). Reconnects with backoff; calls in flight when the socket drops fail with CONNECTION_LOST.
import { ServerMessageSchema } from '@shared/protocol'
import type { ResultMessage, Transport } from '@shared/protocol'

export type ConnectionState = 'connecting' | 'open' | 'closed'

export class WsTransport implements Transport {
  private ws: WebSocket | null = null
  private nextId = 1
  private readonly pending = new Map<number, (r: ResultMessage) => void>()
  private readonly queue: string[] = []
  private readonly listeners = new Set<(event: string, payload: unknown) => void>()
  private backoff = 250
  state: ConnectionState = 'connecting'
  onState: (s: ConnectionState) => void = () => {}

  constructor(private readonly url: string) {
    this.open()
  }

  call(command: string, payload: unknown): Promise<ResultMessage> {
    const id = this.nextId++
    const text = JSON.stringify({ kind: 'call', id, command, payload })
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text)
      else this.queue.push(text)
    })
  }

  onEvent(listener: (event: string, payload: unknown) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private setState(s: ConnectionState): void {
    this.state = s
    this.onState(s)
  }

  private open(): void {
    const ws = new WebSocket(this.url)
    this.ws = ws
    this.setState('connecting')
    ws.onopen = () => {
      this.backoff = 250
      this.setState('open')
      for (const text of this.queue.splice(0)) ws.send(text)
    }
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return
      let raw: unknown
      try {
        raw = JSON.parse(ev.data)
      } catch {
        return
      }
      const msg = ServerMessageSchema.safeParse(raw)
      if (!msg.success) return
      const m = msg.data
      if (m.kind === 'event') for (const l of this.listeners) l(m.event, m.payload)
      else if (m.kind === 'result') {
        const done = this.pending.get(m.id)
        this.pending.delete(m.id)
        done?.(m as ResultMessage)
      }
    }
    ws.onclose = () => {
      this.ws = null
      this.setState('closed')
      for (const [id, done] of this.pending) done({ kind: 'result', id, ok: false, error: { code: 'CONNECTION_LOST', params: {} } })
      this.pending.clear()
      setTimeout(() => this.open(), this.backoff)
      this.backoff = Math.min(5000, this.backoff * 2)
    }
  }
}
