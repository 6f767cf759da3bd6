// The attestation command handlers against a minimal service (data dir, guest dir, VM registry lookup).
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { attestationHandlers as h } from '../../../src/main/service/handlers/attestation'
import type { WorkbenchService } from '../../../src/main/service/workbench-service'
import { seededRandom } from './helpers'

const root = mkdtempSync(join(tmpdir(), 'attest-svc-'))
const guestDir = join(root, 'guest')
mkdirSync(guestDir)
writeFileSync(join(guestDir, 'test.elf'), seededRandom('svc-kernel')(2048))
const platform = { memoryMiB: 16, nic: 'none', boot: { kind: 'shell' } } as const
const defs: Record<string, { name: string; image: string; vtpm: boolean } & typeof platform> = {
  vm1: { name: 'one', image: 'test.elf', vtpm: true, ...platform },
  vm2: { name: 'two', image: 'test.elf', vtpm: false, ...platform }
}
type Listener = (event: string, payload: unknown) => void
const listeners: Listener[] = []
function service(): WorkbenchService {
  const fake = {
    opts: { dataDir: join(root, 'data'), guestDir },
    vms: { get: (id: string) => defs[id], rt: () => ({ state: 'stopped' }) },
    onEvent: (l: Listener) => listeners.push(l)
  }
  return fake as unknown as WorkbenchService
}
const s = service()

afterAll(() => rmSync(root, { recursive: true, force: true }))

async function codeOf(p: () => unknown): Promise<string> {
  try {
    await p()
    return 'no error'
  } catch (e) {
    return (e as { code?: string }).code ?? 'no code'
  }
}

describe('attestation handlers', () => {
  it('state shows the measured boot; attest passes; tampering is caught and named; clean reboot passes again', async () => {
    const st = await h['attestation.state']({ vmId: 'vm1' }, s)
    expect(st.events.map((e) => e.type)).toContain('EV_EFI_BOOT_SERVICES_APPLICATION')
    expect(st.pcrs.sha256).toHaveLength(24)
    expect(st.booted.kernelBytes).toBe(2048)
    const ok = await h['attestation.attest']({ vmId: 'vm1', akKind: 'ecc' }, s)
    expect(ok.checks.map((c) => c.status)).toEqual(Array(7).fill('pass'))
    expect(st.events.every((e) => e.matchesReference)).toBe(true)
    const tampered = await h['attestation.reboot']({ vmId: 'vm1', tamper: { kernelByte: 17, cmdline: null } }, s)
    expect(tampered.events.filter((e) => !e.matchesReference).map((e) => `${e.index}:${e.type}`)).toEqual(['10:EV_EFI_BOOT_SERVICES_APPLICATION'])
    const bad = await h['attestation.attest']({ vmId: 'vm1', akKind: 'ecc' }, s)
    const ref = bad.checks.find((c) => c.id === 'reference-values')
    expect(ref?.code).toBe('ATTEST_REFERENCE_MISMATCH')
    expect(ref?.params.pcr).toBe(4)
    await h['attestation.reboot']({ vmId: 'vm1', tamper: { kernelByte: null, cmdline: null } }, s)
    expect((await h['attestation.attest']({ vmId: 'vm1', akKind: 'ecc' }, s)).ok).toBe(true)
  })

  it('seal → unseal works on the same boot and is refused after a tampered command line', async () => {
    const { blob } = await h['attestation.seal']({ vmId: 'vm1', secret: 'hunter2' }, s)
    expect((await h['attestation.unseal']({ vmId: 'vm1', blob }, s)).secret).toBe('hunter2')
    await h['attestation.reboot']({ vmId: 'vm1', tamper: { kernelByte: null, cmdline: 'console=ttyS0 single' } }, s)
    expect(await codeOf(() => h['attestation.unseal']({ vmId: 'vm1', blob }, s))).toBe('VTPM_POLICY_FAIL')
    await h['attestation.reboot']({ vmId: 'vm1', tamper: { kernelByte: null, cmdline: null } }, s)
  })

  it('export lists the tpm2-tools files and the command line; a VM without vTPM is refused', async () => {
    const ex = await h['attestation.export']({ vmId: 'vm1', akKind: 'rsa' }, s)
    expect(ex.files.map((f) => f.name)).toEqual(expect.arrayContaining(['quote.msg', 'quote.sig', 'quote.pcrs', 'ak.pem', 'eventlog.bin', 'nonce']))
    expect(ex.command).toContain(`-q ${ex.nonce}`)
    expect(await codeOf(() => h['attestation.state']({ vmId: 'vm2' }, s))).toBe('VTPM_NOT_ENABLED')
  })

  it('deleting a VM deletes its vTPM state', async () => {
    const state = join(root, 'data', 'vtpm', 'vm1.bin')
    expect(existsSync(state)).toBe(true)
    for (const l of listeners) l('vm.removed', { id: 'vm1' })
    expect(existsSync(state)).toBe(false)
  })
})
