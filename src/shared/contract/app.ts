// Application-level commands: what the client is talking to.
import { z } from 'zod'
import { defineCommand } from './define'
import { EmptySchema } from './common'

export const AppInfoSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  /** The features this service offers; the UI shows only pages whose feature is listed. */
  features: z.array(z.string()),
  dataDir: z.string()
})
export type AppInfo = z.infer<typeof AppInfoSchema>

export const appCommands = {
  'app.info': defineCommand(EmptySchema, AppInfoSchema)
}

export const appEvents = {}

export const appErrorCodes = ['PROTOCOL_MALFORMED', 'COMMAND_UNKNOWN', 'REQUEST_INVALID', 'INTERNAL_ERROR', 'CONNECTION_LOST'] as const
