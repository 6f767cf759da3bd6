// The errors the engine really produces — malformed guest images, refused VM configurations, guests the VMM stops —
// are listed in src/shared/errors.ts, and both catalogues can say each of them with the parameters the engine
// actually sends (every {placeholder} of the message is a parameter of the error; identifier parameters such as
// a trap cause or an access kind have words in both languages).
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../../src/shared/errors'
import { EngineError } from '../../../src/main/engine/errors'
import { parseElf } from '../../../src/main/engine/machine/elf'
import { Machine } from '../../../src/main/engine/machine/machine'
import { createVm, type VmConfig } from '../../../src/main/engine/vmm/api'
import type { Vm } from '../../../src/main/engine/vmm/vm'

type Tree = { [k: string]: string | Tree }
interface Seen {
  code: string
  params: Record<string, string | number>
}

const I18N = resolve(__dirname, '../../../src/renderer/src/i18n')
const FIXTURES = resolve(__dirname, '../../fixtures/vmm')
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)))
const BASE: VmConfig = { name: 'errors', memoryMiB: 16, mode: 'trap-and-emulate', nic: 'none', vtpm: false }

function caught(fn: () => unknown): Seen {
  try {
    fn()
  } catch (e) {
    if (e instanceof EngineError) return { code: e.code, params: e.params }
    throw e
  }
  throw new Error('expected an EngineError')
}

/** A minimal valid ELF32 RISC-V header + one PT_LOAD program header, then edited by each case. */
function elf(edit: (dv: DataView, b: Uint8Array) => void = () => {}): Uint8Array {
  const b = new Uint8Array(52 + 32 + 16)
  const dv = new DataView(b.buffer)
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1])
  dv.setUint16(16, 2, true) // ET_EXEC
  dv.setUint16(18, 243, true) // EM_RISCV
  dv.setUint32(24, 0x80000000, true)
  dv.setUint32(28, 52, true) // e_phoff
  dv.setUint16(42, 32, true) // e_phentsize
  dv.setUint16(44, 1, true) // e_phnum
  dv.setUint32(52, 1, true) // PT_LOAD
  dv.setUint32(56, 84, true) // p_offset
  dv.setUint32(60, 0x80000000, true)
  dv.setUint32(64, 0x80000000, true)
  dv.setUint32(68, 16, true) // p_filesz
  dv.setUint32(72, 16, true) // p_memsz
  edit(dv, b)
  return b
}

function crash(cmdline: string): Seen {
  const vm = createVm({ ...BASE, cmdline }, fixture('misbehave.elf')) as Vm
  for (let i = 0; i < 50 && !vm.halt; i++) vm.step(100_000)
  expect(vm.halt?.kind).toBe('crash')
  return { code: vm.halt?.code ?? '', params: vm.halt?.params ?? {} }
}

async function catalogue(lang: string): Promise<Tree> {
  const out: Tree = {}
  for (const f of ['errors.ts', 'vms.ts']) {
    const tree = ((await import(join(I18N, lang, f))) as { default: Tree }).default
    // feature catalogues add codes under `errors` too (the app merges them the same way)
    for (const [k, v] of Object.entries(tree)) out[k] = typeof v === 'object' && typeof out[k] === 'object' ? { ...out[k], ...v } : v
  }
  return out
}

const at = (t: Tree, path: string): string | Tree | undefined => path.split('.').reduce<string | Tree | undefined>((n, k) => (typeof n === 'object' ? n[k] : undefined), t)

describe('engine errors reach users in words', () => {
  const seen: Seen[] = [
    caught(() => parseElf(new Uint8Array(20))),
    caught(() => parseElf(elf((_, b) => b.set([0x4d, 0x5a])))),
    caught(() => parseElf(elf((_, b) => (b[4] = 2)))),
    caught(() => parseElf(elf((_, b) => (b[5] = 2)))),
    caught(() => parseElf(elf((dv) => dv.setUint16(18, 62, true)))),
    caught(() => parseElf(elf((dv) => dv.setUint16(44, 9, true)))),
    caught(() => parseElf(elf((dv) => dv.setUint32(72, 4, true)))),
    caught(() =>
      parseElf(
        elf((dv) => {
          dv.setUint32(68, 0, true)
          dv.setUint32(72, 0, true)
        })
      )
    ),
    caught(() => createVm(BASE, elf((dv) => dv.setUint32(64, 0x1000, true)))),
    caught(() => new Machine(elf(), { memoryMiB: 0 })),
    caught(() => createVm({ ...BASE, memoryMiB: 100_000 }, elf())),
    caught(() => createVm({ ...BASE, mode: 'nested' as VmConfig['mode'] }, elf())),
    caught(() => createVm({ ...BASE, cmdline: 'x'.repeat(5000) }, fixture('misbehave.elf'))),
    caught(() => createVm({ ...BASE, costs: { teleport: 5 } }, elf())),
    caught(() => createVm({ ...BASE, costs: { vmExit: -1 } }, elf())),
    caught(() => {
      const saved = (createVm(BASE, fixture('misbehave.elf')) as Vm).saveState()
      ;(createVm({ ...BASE, mode: 'hardware-assisted' }, fixture('misbehave.elf')) as Vm).loadState(saved)
    }),
    crash('i'),
    crash('t'),
    crash('w'),
    crash('l')
  ]

  it('produces the codes the catalogue lists', () => {
    expect(seen.map((s) => s.code)).toEqual([
      'ELF_TOO_SHORT',
      'ELF_BAD_MAGIC',
      'ELF_NOT_32BIT',
      'ELF_NOT_LITTLE_ENDIAN',
      'ELF_NOT_RISCV',
      'ELF_TRUNCATED',
      'ELF_BAD_SEGMENT',
      'ELF_NO_SEGMENTS',
      'ELF_SEGMENT_OUTSIDE_RAM',
      'MACHINE_BAD_MEMORY_SIZE',
      'VMM_BAD_MEMORY_SIZE',
      'VMM_BAD_MODE',
      'VMM_CMDLINE_TOO_LONG',
      'VMM_UNKNOWN_COST',
      'VMM_BAD_COST',
      'VMM_STATE_MISMATCH',
      'GUEST_ILLEGAL_STORM',
      'GUEST_TRIPLE_FAULT',
      'GUEST_WILD_MMIO',
      'GUEST_HUNG'
    ])
    for (const s of seen) expect(ERROR_CODES as readonly string[], s.code).toContain(s.code)
  })

  it.each(['en', 'zh-CN'])('%s: every placeholder is filled by a parameter the engine sent', async (lang) => {
    const cat = await catalogue(lang)
    for (const s of seen) {
      const msg = at(cat, `errors.${s.code}`)
      expect(typeof msg, s.code).toBe('string')
      const names = [...String(msg).matchAll(/\{(\w+)\}/g)].map((m) => m[1])
      for (const n of names) expect(Object.keys(s.params), `${lang} ${s.code} {${n}}`).toContain(n)
    }
    const param = (code: string, name: string): string => String(seen.find((s) => s.code === code)?.params[name])
    expect(typeof at(cat, `trapCause.${param('GUEST_TRIPLE_FAULT', 'cause')}`)).toBe('string')
    expect(typeof at(cat, `memAccess.${param('GUEST_WILD_MMIO', 'access')}`)).toBe('string')
    expect(typeof at(cat, `vms.mode.${param('VMM_STATE_MISMATCH', 'saved')}`)).toBe('string')
    expect(param('GUEST_ILLEGAL_STORM', 'pc')).toMatch(/^0x[0-9a-f]+$/)
  })
})
