// vue-i18n set up from per-feature catalogues: every file in i18n/en/ and i18n/zh-CN/ is merged, so a feature
// adds its messages by adding a file (tests/unit/contract/i18n.test.ts checks both languages agree and cover
// every error code).
import { createI18n } from 'vue-i18n'
import type { Language } from '@shared/contract'

type Tree = { [key: string]: string | Tree }

function merge(target: Tree, source: Tree): Tree {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k]
    if (typeof v === 'object' && typeof cur === 'object') merge(cur, v)
    else target[k] = typeof v === 'object' ? merge({}, v) : v
  }
  return target
}

function catalogue(files: Record<string, { default: Tree }>): Tree {
  const out: Tree = {}
  for (const key of Object.keys(files).sort()) merge(out, files[key].default)
  return out
}

const en = catalogue(import.meta.glob<{ default: Tree }>('./en/*.ts', { eager: true }))
const zh = catalogue(import.meta.glob<{ default: Tree }>('./zh-CN/*.ts', { eager: true }))

export const i18n = createI18n({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zh },
  missingWarn: false,
  fallbackWarn: false
})

export function setLanguage(lang: Language): void {
  i18n.global.locale.value = lang
  document.documentElement.lang = lang
}
