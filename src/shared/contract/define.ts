// How a feature declares its part of the API: commands (request schema → response schema) and pushed events
// (payload schema). Both transports validate every incoming request against these schemas; the types that
// callers and handlers see are inferred from the same schemas, so both sides are checked at compile time.
import type { z } from 'zod'

export interface CommandDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly request: Req
  readonly response: Res
}

export interface EventDef<P extends z.ZodType = z.ZodType> {
  readonly payload: P
}

export function defineCommand<Req extends z.ZodType, Res extends z.ZodType>(
  request: Req,
  response: Res
): CommandDef<Req, Res> {
  return { request, response }
}

export function defineEvent<P extends z.ZodType>(payload: P): EventDef<P> {
  return { payload }
}

export type CommandMap = Record<string, CommandDef>
export type EventMap = Record<string, EventDef>
