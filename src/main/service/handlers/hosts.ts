import type { hostCommands } from '../../../shared/contract'
import type { Handlers } from './types'

export const hostHandlers: Handlers<keyof typeof hostCommands> = {
  'hosts.list': (_req, s) => s.hostList()
}
