// Every command's handler; the type makes a missing one a compile error.
import type { CommandName } from '../../../shared/contract'
import { appHandlers } from './app'
import { attestationHandlers } from './attestation'
import { hostHandlers } from './hosts'
import { ioHandlers } from './io'
import { isolationHandlers } from './isolation'
import { migrationHandlers } from './migration'
import { settingsHandlers } from './settings'
import { snapshotHandlers } from './snapshots'
import type { Handlers } from './types'
import { vmHandlers } from './vms'

export const handlers: Handlers<CommandName> = {
  ...appHandlers,
  ...attestationHandlers,
  ...hostHandlers,
  ...ioHandlers,
  ...isolationHandlers,
  ...migrationHandlers,
  ...settingsHandlers,
  ...snapshotHandlers,
  ...vmHandlers
}
