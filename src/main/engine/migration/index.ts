// Live migration: the public API for the host workers and the service.
//   source host:      new MigrationSource({ vm, channel, hostId, descriptor, params, onProgress, onPause }).start()
//   destination host: new MigrationDestination({ channel, offer, createVm, onEvent }).done
//   channel:          channelFromPort(port) on each end of a worker_threads MessageChannel
//   host workers:     host-methods.ts runs both ends, with the web load client of a NIC VM (load-client.ts) and
//                     the post-copy DMA guard (postcopy-dma.ts)
export { MigrationSource, PAGES_PER_BATCH, type MigrationOutcome, type MigrationSourceOptions } from './source'
export {
  MigrationDestination,
  type DestinationEvent,
  type DestinationOutcome,
  type IncomingVm,
  type MigrationDestinationOptions
} from './destination'
export { channelFromPort, type MigrationChannel } from './channel'
export { DEFAULT_MIGRATION_PARAMS, GIGABIT_PER_SECOND, resolveMigrationParams, type MigrationParams } from './params'
export {
  describeVm,
  destinationRefusals,
  migrationBlockers,
  preflightMigration,
  registerMigrationBlocker,
  type DestinationOffer,
  type MigrationBlockerRule,
  type RefusalReason,
  type VmDescriptor
} from './blockers'
export { roundsCsv, type MigrationInfo, type MigrationRound, type MigrationStatus, type SwitchoverReason } from './stats'
export { MIGRATION_ERROR_CODES, type MigrationErrorCode } from './codes'
export { announceVm, FrozenPort, MigrationLoadClient, requestInterval, type ClientHandoff, type ClientNetwork, type ClientReport, type ClientStatus } from './load-client'
export { missingNicPage, NicSafePostcopyVm } from './postcopy-dma'
