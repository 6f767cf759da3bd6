// The UI catalogues: English and 简体中文 have the same keys with the same placeholders, and every error code
// the contract declares has a message in both.
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../../src/shared/errors'

type Tree = { [k: string]: string | Tree }
const DIR = resolve(__dirname, '../../../src/renderer/src/i18n')

async function load(lang: string): Promise<Map<string, string>> {
  const flat = new Map<string, string>()
  const walk = (prefix: string, t: Tree): void => {
    for (const [k, v] of Object.entries(t)) {
      const key = prefix ? `${prefix}.${k}` : k
      if (typeof v === 'string') flat.set(key, v)
      else walk(key, v)
    }
  }
  for (const f of readdirSync(join(DIR, lang)).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(join(DIR, lang, f))) as { default: Tree }
    walk('', mod.default)
  }
  return flat
}

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('i18n catalogues', () => {
  it('English and Chinese have the same keys and placeholders', async () => {
    const en = await load('en')
    const zh = await load('zh-CN')
    expect(en.size).toBeGreaterThan(100)
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort())
    for (const [k, v] of en) expect(placeholders(zh.get(k) ?? ''), k).toEqual(placeholders(v))
    // the Chinese catalogue is actually Chinese, not copied English
    const han = [...zh.values()].filter((v) => /[\u4e00-\u9fff]/.test(v)).length
    expect(han / zh.size).toBeGreaterThan(0.8)
  })

  it('every error code has a message in both languages', async () => {
    for (const lang of ['en', 'zh-CN']) {
      const cat = await load(lang)
      const missing = ERROR_CODES.filter((c) => !cat.has(`errors.${c}`))
      expect(missing, lang).toEqual([])
    }
  })

  it('messages avoid characters vue-i18n would treat as syntax', async () => {
    for (const lang of ['en', 'zh-CN']) for (const [k, v] of await load(lang)) expect(/[@|]/.test(v), `${lang} ${k}`).toBe(false)
  })
})
