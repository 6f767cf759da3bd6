// What a user sees when a guest image is bad or a guest misbehaves: the service (real host worker, real VMM)
// refuses to start a non-ELF image with ELF_BAD_MAGIC and its bytes, and a guest that writes where nothing is
// mapped ends crashed with GUEST_WILD_MMIO and the addresses in the VM summary the UI shows; both messages come
// out of the English and Chinese catalogues with every placeholder filled.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import { toErrorPayload } from '../../../src/shared/errors'

const ROOT = resolve(__dirname, '../../..')
const guestDir = mkdtempSync(join(tmpdir(), 'wb-crash-guests-'))
const dataDir = mkdtempSync(join(tmpdir(), 'wb-crash-'))
// misbehave.elf reads its orders from the first byte of boot_cmdline (.data, file offset 0x2000): 'w' = wild store
const misbehave = new Uint8Array(readFileSync(join(ROOT, 'tests/fixtures/vmm/misbehave.elf')))
misbehave[0x2000] = 'w'.charCodeAt(0)
writeFileSync(join(guestDir, 'wild.elf'), misbehave)
writeFileSync(join(guestDir, 'notes.elf'), new TextEncoder().encode('these are lecture notes, not a kernel\n'.repeat(4)))
copyFileSync(join(ROOT, 'resources/guest/kernel.elf'), join(guestDir, 'kernel.elf'))
const service = new WorkbenchService({ dataDir, guestDir, hostWorker: sourceWorkerEntry(ROOT), batchHz: 20 })

afterAll(async () => {
  await service.close()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(guestDir, { recursive: true, force: true })
})

type Tree = { [k: string]: string | Tree }
async function say(lang: string, code: string, params: Record<string, string | number>): Promise<string> {
  const cat = ((await import(join(ROOT, 'src/renderer/src/i18n', lang, 'errors.ts'))) as { default: { errors: Tree } }).default.errors
  const msg = cat[code]
  if (typeof msg !== 'string') throw new Error(`${lang}: no message for ${code}`)
  return msg.replace(/\{(\w+)\}/g, (_, k: string) => (k in params ? String(params[k]) : `{${k}}`))
}

const vm = (name: string, image: string) =>
  service.create({ name, memoryMiB: 16, vcpus: 1, image, mode: 'trap-and-emulate', nic: 'none', vtpm: false, hostId: 'host-a' })

describe('crash reasons reach the user', () => {
  it('refuses to boot an image that is not ELF, naming its first bytes', async () => {
    const v = vm('notes', 'notes.elf')
    const err = toErrorPayload(await service.start(v.id).then(() => null, (e: unknown) => e))
    expect(err).toEqual({ code: 'ELF_BAD_MAGIC', params: { magic: '74 68 65 73' } })
    expect(await say('en', err.code, err.params)).toBe('The guest image is not an ELF file: it starts with the bytes 74 68 65 73 instead of 7f 45 4c 46.')
    expect(await say('zh-CN', err.code, err.params)).toContain('74 68 65 73')
  })

  it('stops a guest that writes where nothing is mapped, with the addresses in the summary', async () => {
    const v = vm('wild', 'wild.elf')
    await service.start(v.id)
    const t0 = performance.now()
    while (service.vms.summary(v.id).state !== 'crashed' && performance.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 25))
    const halt = service.vms.summary(v.id).halt
    expect(halt?.kind).toBe('crash')
    expect(halt?.error?.code).toBe('GUEST_WILD_MMIO')
    const params = halt?.error?.params ?? {}
    expect(params.access).toBe('store')
    expect(String(params.gpa)).toMatch(/^0x[0-9a-f]+$/)
    expect(String(params.pc)).toMatch(/^0x8[0-9a-f]{7}$/)
    for (const lang of ['en', 'zh-CN']) {
      const text = await say(lang, 'GUEST_WILD_MMIO', params)
      expect(text, lang).not.toMatch(/\{\w+\}/)
      expect(text).toContain(String(params.gpa))
    }
  }, 90_000)
})
