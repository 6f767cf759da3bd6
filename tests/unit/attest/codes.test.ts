// Every error/check code the vTPM and the verifier can produce is declared in the contract (so the app has a
// translation for it), and both catalogues translate every declared code.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { attestationErrorCodes } from '../../../src/shared/contract/attestation'
import en from '../../../src/renderer/src/i18n/en/attestation'
import zh from '../../../src/renderer/src/i18n/zh-CN/attestation'

const ENGINE = join(__dirname, '../../../src/main/engine')

function codesIn(dir: string): string[] {
  const out: string[] = []
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.ts')) continue
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/'((?:VTPM|ATTEST|EVENTLOG)_[A-Z_]+)'/g)) out.push(m[1])
  }
  return out
}

describe('attestation codes', () => {
  it('every code used in vtpm/ and attest/ is declared, and both languages translate every declared code', () => {
    const used = new Set([...codesIn(join(ENGINE, 'vtpm')), ...codesIn(join(ENGINE, 'attest'))])
    expect(used.size).toBeGreaterThan(30)
    const declared = new Set<string>(attestationErrorCodes)
    expect([...used].filter((c) => !declared.has(c))).toEqual([])
    const enErrors: Record<string, string> = en.errors
    const zhErrors: Record<string, string> = zh.errors
    expect(attestationErrorCodes.filter((c) => !enErrors[c] || !zhErrors[c])).toEqual([])
    // placeholders agree between the languages
    for (const c of attestationErrorCodes) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
      expect(names(zhErrors[c]), c).toEqual(names(enErrors[c]))
    }
  })
})
