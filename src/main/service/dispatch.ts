// One entry point for both transports: a raw incoming message (parsed JSON from the WebSocket, or the object
// Electron IPC delivers) is checked against the envelope and the command's schema, then handled. Every failure
// becomes a typed error reply; nothing thrown here reaches the transport.
import { commands, isCommandName } from '../../shared/contract'
import type { CommandName } from '../../shared/contract'
import { WorkbenchError, toErrorPayload } from '../../shared/errors'
import { CallSchema } from '../../shared/protocol'
import type { ProtocolErrorMessage, ResultMessage } from '../../shared/protocol'
import { handlers } from './handlers'
import type { Handler } from './handlers/types'
import type { WorkbenchService } from './workbench-service'

export function protocolError(detail: string): ProtocolErrorMessage {
  return { kind: 'error', error: { code: 'PROTOCOL_MALFORMED', params: { detail } } }
}

/** Handles one decoded message. Returns a result for a well-formed call, or a protocol error otherwise. */
export async function dispatch(service: WorkbenchService, raw: unknown): Promise<ResultMessage | ProtocolErrorMessage> {
  const env = CallSchema.safeParse(raw)
  if (!env.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : null
    const detail = env.error.issues[0]?.path.join('.') || 'envelope'
    if (id === null) return protocolError(detail)
    return { kind: 'result', id, ok: false, error: { code: 'PROTOCOL_MALFORMED', params: { detail } } }
  }
  const { id, command, payload } = env.data
  try {
    if (!isCommandName(command)) throw new WorkbenchError('COMMAND_UNKNOWN', { command })
    const value = await invoke(service, command, payload)
    return { kind: 'result', id, ok: true, value }
  } catch (err) {
    const error = toErrorPayload(err)
    if (error.code === 'INTERNAL_ERROR') console.error(`[service] ${command} failed:`, err)
    return { kind: 'result', id, ok: false, error }
  }
}

async function invoke<N extends CommandName>(service: WorkbenchService, command: N, payload: unknown): Promise<unknown> {
  const parsed = commands[command].request.safeParse(payload ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new WorkbenchError('REQUEST_INVALID', {
      command,
      field: issue?.path.join('.') ?? '',
      reason: issue && /^[A-Z][A-Z0-9_]+$/.test(issue.message) ? issue.message : (issue?.code ?? 'invalid')
    })
  }
  const handler = handlers[command] as Handler<N>
  return handler(parsed.data as Parameters<Handler<N>>[0], service)
}

/** Decodes a text frame (WebSocket) and dispatches it; undecodable text gets a protocol error. */
export async function dispatchText(service: WorkbenchService, text: string): Promise<ResultMessage | ProtocolErrorMessage> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return protocolError('json')
  }
  return dispatch(service, raw)
}
