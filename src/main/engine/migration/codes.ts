// Every error code the migration reports (to users, as { code, params }).
export const MIGRATION_ERROR_CODES = [
  'MIGRATION_BAD_PARAMETER', // {name, value}
  'MIGRATION_ALREADY_STARTED',
  'MIGRATION_BLOCKED', // {reasons}: source-side blockers, listed in blocked-reasons
  'MIGRATION_BLOCKED_PASSTHROUGH', // {device, kind}
  'MIGRATION_REFUSED', // {reasons}: the destination said no, listed in blocked-reasons
  'MIGRATION_SAME_HOST', // {host}
  'MIGRATION_DEST_NO_MEMORY', // {host, needed, available}
  'MIGRATION_DEST_LACKS_CAPABILITY', // {host, capability}
  'MIGRATION_CANCELLED',
  'MIGRATION_LINK_DOWN',
  'MIGRATION_POSTCOPY_LINK_LOST', // {cause}: the guest is lost
  'MIGRATION_VERIFY_FAILED',
  'MIGRATION_PROTOCOL',
  'MIGRATION_INTERNAL'
] as const
export type MigrationErrorCode = (typeof MIGRATION_ERROR_CODES)[number]
