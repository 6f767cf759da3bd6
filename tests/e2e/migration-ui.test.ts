// Live migration in a real browser against the built lab server: a running guest (the real kernel on the real
// VMM in host-a's worker) is moved to host-b through the Migrate dialog; the progress view fills in (status,
// statistics, per-round chart), the history exports as CSV, the post-copy warning shows, and the dialog speaks
// 简体中文 when the language changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { missingPrerequisite, startLab } from './lab-server'
import type { RunningLab } from './lab-server'
import { connect, openPage } from './browser'
import type { LabSocket } from './browser'

const skip = missingPrerequisite()
let lab: RunningLab
let browser: Browser
let page: Page
let ws: LabSocket
let pageErrors: string[] = []
const call: LabSocket['call'] = (command, payload) => ws.call(command, payload)

describe.skipIf(skip !== null)(`migration UI in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    lab = await startLab()
    ws = await connect(lab)
    const created = await call('vms.create', { name: 'mover', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' })
    expect(created.ok).toBe(true)
    const vm = created.value as { id: string }
    expect((await call('vms.start', { id: vm.id })).ok).toBe(true)
    ;({ browser, page, pageErrors } = await openPage(1000, { acceptDownloads: true }))
  })
  afterAll(async () => {
    ws?.close()
    await browser?.close()
    await lab?.stop()
  })

  it('migrates the running VM to host-b through the dialog and shows the progress', async () => {
    await page.goto(lab.url)
    await page.locator('[data-nav=migrations]').click()
    await page.getByRole('heading', { name: 'Live migration' }).waitFor()
    await page.click('[data-testid=open-migrate]')
    const dialog = page.locator('[data-testid=migrate-dialog]')
    await dialog.waitFor()
    // defaults with their explanations; post-copy says it cannot fall back
    expect(await dialog.locator('[data-param="downtime-limit"]').innerText()).toContain('default 300')
    expect(await dialog.locator('[data-param="max-bandwidth"]').innerText()).toContain('default 128')
    await page.check('[data-testid=mig-postcopy]')
    expect(await page.locator('[data-testid=postcopy-warning]').innerText()).toContain('cannot fall back')
    await page.check('[data-testid=mig-precopy]')
    expect(await page.locator('[data-testid=mig-target]').inputValue()).toBe('host-b')
    await expect.poll(() => page.locator('[data-testid=mig-start]').isEnabled(), { timeout: 10_000 }).toBe(true)
    await page.click('[data-testid=mig-start]')
    await expect.poll(() => page.locator('[data-testid=mig-status]').innerText(), { timeout: 60_000, interval: 250 }).toContain('Completed')
    expect(await page.locator('[data-testid=mig-status]').innerText()).toContain('running')
    const stats = await page.locator('[data-testid=mig-stats]').innerText()
    expect(stats).toMatch(/downtime\s+[\d.]+ ms/)
    expect(stats).toMatch(/dirty-sync-count\s+[1-9]/)
    await page.locator('[data-testid=rounds-chart]').waitFor()
    expect(await page.locator('[data-testid=mig-history] tbody tr').count()).toBe(1)
    expect(await page.locator('[data-testid=mig-progress]').getAttribute('style')).toContain('width: 100%')
    // the VM now lives on host-b
    const list = (await call('vms.list', {})).value as { name: string; hostId: string; state: string }[]
    expect(list.find((v) => v.name === 'mover')).toMatchObject({ hostId: 'host-b', state: 'running' })
    // history export
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-csv]')])
    expect(download.suggestedFilename()).toBe('migrations.csv')
  }, 120_000)

  it('refuses a migration to the host the VM is on, and speaks 简体中文', async () => {
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.getByRole('heading', { name: '热迁移' }).waitFor()
    await page.click('[data-testid=open-migrate]')
    await page.locator('[data-testid=migrate-dialog]').waitFor()
    expect(await page.locator('[data-testid=migrate-dialog]').innerText()).toContain('目标主机')
    // the only other host is host-a again: a migration back is allowed; the same host is not offered at all
    expect(await page.locator('[data-testid=mig-target] option').allInnerTexts()).toEqual([expect.stringContaining('host-a')])
    const same = await call('migrations.start', { vmId: 'mover-1', targetHostId: 'host-b', params: {} })
    expect(same.error?.code).toBe('MIGRATION_SAME_HOST')
    expect(pageErrors).toEqual([])
  }, 60_000)
})
