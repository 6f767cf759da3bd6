// The migration's error codes live in the contract (src/shared/contract/migration.ts), which the app's message
// catalogues must cover; the engine reports a subset of them.
export { migrationErrorCodes as MIGRATION_ERROR_CODES } from '../../../shared/contract/migration'
export type MigrationErrorCode = (typeof import('../../../shared/contract/migration').migrationErrorCodes)[number]
