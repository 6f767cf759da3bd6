// App-wide state: what the service offers (features), settings (language remembered by the service), and the
// notices (translated errors and confirmations) shown in the corner.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo, Language, Settings } from '@shared/contract'
import { DEFAULT_SETTINGS } from '@shared/contract'
import { client } from '../api'
import { setLanguage } from '../i18n'
import { errorText } from '../i18n/errors'

export interface Notice {
  id: number
  kind: 'error' | 'info'
  text: string
}

export const useApp = defineStore('app', () => {
  const info = ref<AppInfo | null>(null)
  const settings = ref<Settings>({ ...DEFAULT_SETTINGS })
  const notices = ref<Notice[]>([])
  let nextNotice = 1

  function notify(kind: Notice['kind'], text: string): void {
    const id = nextNotice++
    notices.value = [...notices.value.slice(-3), { id, kind, text }]
    setTimeout(() => dismiss(id), kind === 'error' ? 9000 : 3500)
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id)
  }

  function fail(err: unknown): void {
    notify('error', errorText(err))
  }

  function apply(s: Settings): void {
    settings.value = s
    setLanguage(s.language)
  }

  async function load(): Promise<void> {
    client.on('settings.changed', apply)
    const [i, s] = await Promise.all([client.call('app.info', {}), client.call('settings.get', {})])
    info.value = i
    apply(s)
  }

  async function update(patch: Partial<Settings>): Promise<void> {
    try {
      apply(await client.call('settings.update', patch))
    } catch (err) {
      fail(err)
    }
  }

  const setLang = (language: Language): Promise<void> => update({ language })

  return { info, settings, notices, notify, dismiss, fail, load, update, setLang }
})
