// The committed reference values (resources/reference/vtpm-golden.json) must be those of the shipped guest
// kernel. Regenerate after a kernel rebuild with:  UPDATE_GOLDEN=1 npx vitest run tests/unit/attest/golden.test.ts
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { computeReferenceValues, parseReferenceValues } from '../../../src/main/engine/attest/reference'
import { vmBootImages } from '../../../src/main/engine/vtpm'

const ROOT = join(__dirname, '../../..')
const KERNEL = join(ROOT, 'resources/guest/kernel.elf')
const GOLDEN = join(ROOT, 'resources/reference/vtpm-golden.json')

describe('golden reference values', () => {
  it('match the shipped kernel.elf with the default command line', (ctx) => {
    if (!existsSync(KERNEL)) return ctx.skip('resources/guest/kernel.elf not built yet (npm run guest)')
    const computed = computeReferenceValues(vmBootImages(new Uint8Array(readFileSync(KERNEL))))
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true })
      writeFileSync(GOLDEN, JSON.stringify(computed, null, 2) + '\n')
    }
    const committed = parseReferenceValues(JSON.parse(readFileSync(GOLDEN, 'utf8')))
    // a kernel rebuilt but not yet committed (someone is working on the guest): the golden file follows commits
    const dirty = spawnSync('git', ['diff', '--quiet', 'HEAD', '--', 'resources/guest/kernel.elf'], { cwd: ROOT }).status === 1
    if (dirty && committed.kernelSha256 !== computed.kernelSha256 && process.env.UPDATE_GOLDEN !== '1')
      return ctx.skip('resources/guest/kernel.elf has uncommitted changes; golden values follow the committed kernel')
    expect(committed.kernelSha256, 'kernel.elf changed: run UPDATE_GOLDEN=1 npx vitest run tests/unit/attest/golden.test.ts').toBe(computed.kernelSha256)
    expect(committed).toEqual(computed)
    expect(committed.events.map((e) => `${e.pcr}:${e.typeName}`)).toEqual([
      '0:EV_S_CRTM_VERSION',
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((p) => `${p}:EV_SEPARATOR`),
      '4:EV_EFI_BOOT_SERVICES_APPLICATION',
      '8:EV_IPL'
    ])
  })
})
