// The attestation page in a real browser against the built lab server: a running VM with a vTPM (the real kernel
// on the real VMM, measured by its firmware) is attested green; the tamper demo reboots it with a flipped kernel
// byte and the checklist turns red naming PCR 4's kernel event; the page speaks 简体中文.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { missingPrerequisite } from './lab-server'
import { labPage } from './lab-page'
import type { RunningLab } from './lab-server'
import type { LabSocket } from './browser'

const skip = missingPrerequisite()
let lab: RunningLab
let page: Page
let ws: LabSocket
let pageErrors: string[] = []
const call: LabSocket['call'] = (command, payload) => ws.call(command, payload)

describe.skipIf(skip !== null)(`attestation UI in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const session = labPage(1000)
  beforeAll(async () => {
    ;({ lab, ws, page, pageErrors } = session)
    const created = await call('vms.create', { name: 'trusted', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: true, hostId: 'host-a' })
    expect(created.ok).toBe(true)
    expect((await call('vms.start', { id: (created.value as { id: string }).id })).ok).toBe(true)
  }, 120_000)

  it('attests green, catches the tampered reboot by name, and speaks 简体中文', async () => {
    await page.goto(lab.url)
    await page.locator('[data-nav=attestation]').click()
    await page.getByRole('heading', { name: 'vTPM attestation' }).waitFor()
    await page.click('[data-test=tab-events]')
    expect(await page.locator('[data-test=event-table] tbody tr').count()).toBe(11)
    await page.click('[data-test=tab-attest]')
    await page.click('[data-test=attest-run]')
    const verdict = page.locator('[data-test=attest-verdict]')
    await expect.poll(() => verdict.innerText(), { timeout: 60_000 }).toContain('Trusted')
    expect(await page.locator('[data-test=checklist] li.pass').count()).toBe(7)
    expect(await page.locator('[data-test=attest-nonce]').innerText()).toMatch(/^[0-9a-f]{40}$/)

    await page.click('[data-test=tab-tamper]')
    await page.fill('[data-test=tamper-byte]', '5000')
    await page.fill('[data-test=tamper-cmdline]', '')
    await page.click('[data-test=tamper-reboot]')
    await page.locator('.tamper-on').waitFor({ timeout: 60_000 })
    await page.click('[data-test=tab-attest]')
    await page.click('[data-test=attest-run]')
    await expect.poll(() => verdict.innerText(), { timeout: 60_000 }).toContain('Not trusted')
    const failed = page.locator('[data-check=reference-values]')
    expect(await failed.getAttribute('class')).toContain('fail')
    expect(await failed.innerText()).toContain('PCR 4, EV_EFI_BOOT_SERVICES_APPLICATION')

    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.getByRole('heading', { name: 'vTPM 远程证明' }).waitFor()
    expect(await verdict.innerText()).toContain('不可信')
    expect(pageErrors).toEqual([])
  }, 240_000)
})
