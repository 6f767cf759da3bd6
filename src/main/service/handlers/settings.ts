import type { settingsCommands } from '../../../shared/contract'
import type { Handlers } from './types'

export const settingsHandlers: Handlers<keyof typeof settingsCommands> = {
  'settings.get': (_req, s) => s.settings.value,
  'settings.update': (req, s) => {
    const next = { ...s.settings.value }
    if (req.language !== undefined) next.language = req.language
    if (req.chartRefreshHz !== undefined) next.chartRefreshHz = req.chartRefreshHz
    s.settings.save(next)
    s.emit('settings.changed', s.settings.value)
    return s.settings.value
  }
}
