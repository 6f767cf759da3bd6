// WorkbenchClient: the one typed interface the UI (and tests) use, over any Transport.
import { commands, events, isEventName } from './contract'
import type { CommandName, EventName, EventPayloadOf, RequestOf, ResponseOf } from './contract'
import { WorkbenchError } from './errors'
import type { Transport } from './protocol'

type Listener<E extends EventName> = (payload: EventPayloadOf<E>) => void

export class WorkbenchClient {
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  private readonly unsubscribe: () => void

  constructor(private readonly transport: Transport) {
    this.unsubscribe = transport.onEvent((event, payload) => this.dispatch(event, payload))
  }

  /** Calls a command; rejects with a WorkbenchError carrying the server's code and params. */
  async call<N extends CommandName>(command: N, payload: RequestOf<N>): Promise<ResponseOf<N>> {
    const reply = await this.transport.call(command, payload)
    if (!reply.ok) throw new WorkbenchError(reply.error.code, reply.error.params)
    const parsed = commands[command].response.safeParse(reply.value)
    if (!parsed.success) throw new WorkbenchError('PROTOCOL_MALFORMED', { command, detail: 'response' })
    return parsed.data as ResponseOf<N>
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    const wrapped = listener as (payload: unknown) => void
    set.add(wrapped)
    return () => set.delete(wrapped)
  }

  close(): void {
    this.unsubscribe()
    this.listeners.clear()
  }

  private dispatch(event: string, payload: unknown): void {
    if (!isEventName(event)) return
    const set = this.listeners.get(event)
    if (!set || set.size === 0) return
    const parsed = events[event].payload.safeParse(payload)
    if (!parsed.success) return
    for (const l of set) l(parsed.data)
  }
}
