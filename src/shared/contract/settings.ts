// User settings, persisted under the data directory.
import { z } from 'zod'
import { defineCommand, defineEvent } from './define'
import { EmptySchema } from './common'

export const LANGUAGES = ['en', 'zh-CN'] as const
export const LanguageSchema = z.enum(LANGUAGES)
export type Language = z.infer<typeof LanguageSchema>

export const SettingsSchema = z.strictObject({
  language: LanguageSchema,
  /** Charts refresh at most this often (Hz); lower it on slow machines. */
  chartRefreshHz: z.number().int().min(1).max(20)
})
export type Settings = z.infer<typeof SettingsSchema>

export const DEFAULT_SETTINGS: Settings = { language: 'en', chartRefreshHz: 4 }

export const SettingsPatchSchema = SettingsSchema.partial()

export const settingsCommands = {
  'settings.get': defineCommand(EmptySchema, SettingsSchema),
  'settings.update': defineCommand(SettingsPatchSchema, SettingsSchema)
}

export const settingsEvents = {
  'settings.changed': defineEvent(SettingsSchema)
}

export const settingsErrorCodes = [] as const
