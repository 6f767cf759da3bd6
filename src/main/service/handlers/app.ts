import type { appCommands } from '../../../shared/contract'
import type { Handlers } from './types'

/** Features this build offers; the UI shows only their pages. Feature work appends its name here. */
export const FEATURES = ['vms', 'hosts', 'settings', 'attestation', 'snapshots', 'migration', 'io', 'isolation']

export const appHandlers: Handlers<keyof typeof appCommands> = {
  'app.info': (_req, s) => ({ name: 'VMM Workbench', version: s.opts.version ?? '0.0.0', features: [...FEATURES], dataDir: s.opts.dataDir })
}
