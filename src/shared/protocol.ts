// The wire envelope both transports carry (Electron IPC and the lab server's WebSocket). Requests are
// validated in two steps: the envelope here, then the payload against the command's schema.
import { z } from 'zod'
import { ErrorPayloadSchema } from './contract/vms'
import type { ErrorPayload } from './contract/vms'

export const CallSchema = z.strictObject({
  kind: z.literal('call'),
  id: z.number().int().nonnegative(),
  command: z.string().max(100),
  payload: z.unknown()
})
export type CallMessage = z.infer<typeof CallSchema>

export type ResultMessage =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: ErrorPayload }

export interface EventMessage {
  kind: 'event'
  event: string
  payload: unknown
}

/** A message the server could not attribute to a call (not JSON, no id): answered with this. */
export interface ProtocolErrorMessage {
  kind: 'error'
  error: ErrorPayload
}

export type ServerMessage = ResultMessage | EventMessage | ProtocolErrorMessage

export const ServerMessageSchema = z.union([
  z.strictObject({ kind: z.literal('result'), id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ kind: z.literal('result'), id: z.number(), ok: z.literal(false), error: ErrorPayloadSchema }),
  z.strictObject({ kind: z.literal('event'), event: z.string(), payload: z.unknown() }),
  z.strictObject({ kind: z.literal('error'), error: ErrorPayloadSchema })
])

/** The object the preload exposes as window.workbench (and the shape every transport implements). */
export interface Transport {
  /** Send one call; resolves with the reply (never rejects for an application error: ok:false carries it). */
  call(command: string, payload: unknown): Promise<ResultMessage>
  /** Subscribe to pushed events; returns an unsubscribe function. */
  onEvent(listener: (event: string, payload: unknown) => void): () => void
}
