// The whole API: every feature's commands and events merged. To add a feature, write contract/<feature>.ts
// (commands, events, error codes) and spread it in here; handlers go in src/main/service/handlers/<feature>.ts.
import type { z } from 'zod'
import { appCommands, appEvents } from './app'
import { attestationCommands, attestationEvents } from './attestation'
import { hostCommands, hostEvents } from './hosts'
import { ioCommands, ioEvents } from './io'
import { isolationCommands, isolationEvents } from './isolation'
import { migrationCommands, migrationEvents } from './migration'
import { settingsCommands, settingsEvents } from './settings'
import { snapshotCommands, snapshotEvents } from './snapshots'
import { vmCommands, vmEvents } from './vms'

export const commands = {
  ...appCommands,
  ...attestationCommands,
  ...hostCommands,
  ...ioCommands,
  ...isolationCommands,
  ...migrationCommands,
  ...settingsCommands,
  ...snapshotCommands,
  ...vmCommands
}

export const events = {
  ...appEvents,
  ...attestationEvents,
  ...hostEvents,
  ...ioEvents,
  ...isolationEvents,
  ...migrationEvents,
  ...settingsEvents,
  ...snapshotEvents,
  ...vmEvents
}

export type Commands = typeof commands
export type CommandName = keyof Commands
export type Events = typeof events
export type EventName = keyof Events

/** What a caller sends (the schema's input) and what a handler receives (its parsed output). */
export type RequestOf<N extends CommandName> = z.input<Commands[N]['request']>
export type ParsedRequestOf<N extends CommandName> = z.output<Commands[N]['request']>
export type ResponseOf<N extends CommandName> = z.output<Commands[N]['response']>
export type EventPayloadOf<E extends EventName> = z.output<Events[E]['payload']>

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commands, name)
}

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name)
}

export * from './define'
export * from './common'
export * from './app'
export * from './attestation'
export * from './hosts'
export * from './io'
export * from './isolation'
export * from './migration'
export * from './settings'
export * from './snapshots'
export * from './vms'
