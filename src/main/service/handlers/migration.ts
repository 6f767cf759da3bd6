import type { migrationCommands } from '../../../shared/contract'
import { migrationsOf } from '../migrations'
import type { Handlers } from './types'

export const migrationHandlers: Handlers<keyof typeof migrationCommands> = {
  'migrations.defaults': (_req, s) => migrationsOf(s).defaults(),
  'migrations.preflight': (req, s) => ({ reasons: migrationsOf(s).preflight(req.vmId, req.targetHostId) }),
  'migrations.blockers': (req, s) => ({ reasons: migrationsOf(s).blockers(req.vmId) }),
  'migrations.start': (req, s) => migrationsOf(s).start(req.vmId, req.targetHostId, req.params),
  'migrations.cancel': (req, s) => migrationsOf(s).cancel(req.id),
  'migrations.dropLink': (req, s) => migrationsOf(s).dropLink(req.id),
  'migrations.list': (_req, s) => migrationsOf(s).list(),
  'migrations.export': (req, s) => migrationsOf(s).exportHistory(req.format)
}
