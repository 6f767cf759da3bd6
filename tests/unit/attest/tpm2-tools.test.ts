// External verification with Debian's tpm2-tools 5.4: our exported quotes and event logs must be accepted by
// tpm2_checkquote and tpm2_eventlog, and a tampered boot must be rejected by tpm2_checkquote's replay.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exportAttestationFiles } from '../../../src/main/engine/attest/export'
import { ByteReader, ByteWriter, toHex } from '../../../src/main/engine/vtpm/marshal'
import { type BootImages, measureBoot, referenceEventLog } from '../../../src/main/engine/vtpm/measured-boot'
import { marshalPublic2b } from '../../../src/main/engine/vtpm/structures'
import { type AkKind, VTpm } from '../../../src/main/engine/vtpm/vtpm'
import { ManufacturerCa } from '../../../src/main/engine/vtpm/x509'
import { INSTALL_SEED, SEED_A, missingTool, run, seededRandom } from './helpers'

const missing = missingTool('tpm2_checkquote') ?? missingTool('tpm2_eventlog')
const ca = new ManufacturerCa(INSTALL_SEED)
const kernel = seededRandom('tools-kernel')(3000)
const images: BootImages = { firmwareVersion: 'VMM Workbench firmware 1.0', kernel, cmdline: 'console=ttyS0 quiet' }
const nonce = Uint8Array.from(Buffer.from('a1b2c3d4e5f60718293a4b5c6d7e8f90', 'hex'))
const dirs: string[] = []

function exportTo(img: BootImages, kind: AkKind): string {
  const tpm = VTpm.create(SEED_A, ca)
  measureBoot(tpm, img)
  const dir = mkdtempSync(join(tmpdir(), `vtpm-${kind}-`))
  dirs.push(dir)
  for (const [name, bytes] of Object.entries(exportAttestationFiles(tpm, nonce, kind))) writeFileSync(join(dir, name), bytes)
  writeFileSync(join(dir, 'golden.bin'), referenceEventLog(images))
  return dir
}

function checkquote(dir: string, log = 'eventlog.bin', q = toHex(nonce)): { status: number; out: string } {
  return run('tpm2_checkquote', ['-u', 'ak.pem', '-m', 'quote.msg', '-s', 'quote.sig', '-f', 'quote.pcrs', '-g', 'sha256', '-q', q, '-e', log], dir)
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe.each(['ecc', 'rsa'] as const)('tpm2-tools on our %s exports', (kind) => {
  it('tpm2_checkquote accepts the quote with the event log, tpm2_eventlog parses the log', (ctx) => {
    if (missing) return ctx.skip(missing)
    const dir = exportTo(images, kind)
    const cq = checkquote(dir)
    expect(cq.out).toContain('sig:')
    expect(cq.status).toBe(0)
    expect(checkquote(dir, 'golden.bin').status).toBe(0)
    const el = run('tpm2_eventlog', ['eventlog.bin'], dir)
    expect(el.status).toBe(0)
    expect(el.out).toContain('EV_EFI_BOOT_SERVICES_APPLICATION')
    expect(el.out).toContain('kernel_cmdline: console=ttyS0 quiet')
    expect(el.out).not.toMatch(/WARN|ERROR/)
  })

  it('a wrong nonce fails', (ctx) => {
    if (missing) return ctx.skip(missing)
    const dir = exportTo(images, kind)
    expect(checkquote(dir, 'eventlog.bin', '00112233').status).not.toBe(0)
  })

  it.for([
    ['a tampered kernel byte', 4, { ...images, kernel: Uint8Array.from(kernel, (b, i) => (i === 1234 ? b ^ 0x80 : b)) }],
    ['a changed command line', 8, { ...images, cmdline: 'console=ttyS0 quiet init=/bin/sh' }]
  ] as const)('%s: replaying the golden log against the quote fails at PCR %i', ([, pcr, img], ctx) => {
    if (missing) return ctx.skip(missing)
    const dir = exportTo(img, kind)
    expect(checkquote(dir).status).toBe(0) // the honest log matches the tampered PCRs…
    const bad = checkquote(dir, 'golden.bin') // …but the reference log does not
    expect(bad.status).not.toBe(0)
    expect(bad.out).toContain(`PCR${pcr} mismatch`)
    expect(bad.out).toContain('Eventlog and quote PCR mismatch')
  })
})

describe('tpm2_makecredential → our ActivateCredential', () => {
  it('recovers a secret tpm2-tools encrypted offline to our EK for our AK name', (ctx) => {
    const miss = missingTool('tpm2_makecredential')
    if (miss) return ctx.skip(miss)
    const tpm = VTpm.create(SEED_A, ca)
    const dir = mkdtempSync(join(tmpdir(), 'vtpm-mc-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'ek.pub'), marshalPublic2b(tpm.ekPublic))
    writeFileSync(join(dir, 'secret'), 'sixteen byte sec')
    const r = run('tpm2_makecredential', ['-T', 'none', '-e', 'ek.pub', '-s', 'secret', '-n', toHex(tpm.akName('ecc')), '-o', 'cred.out'], dir)
    expect(r.status).toBe(0)
    // file: magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET
    const reader = new ByteReader(new Uint8Array(readFileSync(join(dir, 'cred.out'))))
    expect(reader.u32()).toBe(0xbadcc0de)
    expect(reader.u32()).toBe(1)
    const credentialBlob = new ByteWriter().tpm2b(reader.tpm2b()).finish()
    const secret = new ByteWriter().tpm2b(reader.tpm2b()).finish()
    expect(Buffer.from(tpm.activateCredential('ecc', { credentialBlob, secret })).toString()).toBe('sixteen byte sec')
  })
})
