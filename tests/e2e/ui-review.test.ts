// The app as a keyboard user and a 简体中文 reader meet it, in chromium against the lab server: every dialog opens
// with Enter, keeps Tab inside itself, closes with Escape and gives the focus back to the control that opened it;
// the wizard's Escape works on its last step too; no page shows a message key instead of text in 简体中文 (at a
// small 1024 × 640 window, where the VM table must not push the page sideways); nothing is logged as an error.
import { describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { labPage } from './lab-page'
import { missingPrerequisite } from './lab-server'

const skip = missingPrerequisite()

/** The top-level namespaces of the renderer's catalogues: a key shown raw starts with one of them. */
const RAW_KEY = /\b(?:app|nav|common|vms|detail|hosts|migration|io|isolation|attestation|snapshots|settings|errors|trapCause|memAccess)\.[A-Za-z][\w-]*(?:\.[\w-]+)*/g

/** What the focused element is: its data-testid, id or aria-label, and whether it sits inside `inside`. */
async function focused(page: Page, inside?: string): Promise<{ name: string; inside: boolean }> {
  const el = page.locator(':focus')
  if ((await el.count()) === 0) return { name: '', inside: false }
  const name = (await el.getAttribute('data-testid')) ?? ((await el.getAttribute('id')) || (await el.getAttribute('aria-label')) || '')
  return { name, inside: inside ? (await page.locator(`${inside} :focus`).count()) === 1 : false }
}

/** Opens a dialog from `opener` with Enter, checks the focus went into it, closes it with Escape. */
async function enterThenEscape(page: Page, opener: Locator, dialog: string): Promise<void> {
  await opener.focus()
  await page.keyboard.press('Enter')
  await page.locator(dialog).waitFor()
  await expect.poll(async () => (await focused(page, dialog)).inside).toBe(true)
  await page.keyboard.press('Escape')
  await page.locator(dialog).waitFor({ state: 'detached' })
}

describe.skipIf(skip !== null)(`keyboard and 简体中文 review in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const s = labPage(800)
  const consoleErrors: string[] = []
  let vmId = ''

  it('opens the create wizard with Enter, keeps Tab inside it, and closes it with Escape on its last step', async () => {
    const { page, lab } = s
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    await page.goto(lab.url)
    await page.locator('[data-testid=new-vm]').waitFor()
    await page.focus('[data-testid=new-vm]')
    await page.keyboard.press('Enter')
    await page.locator('[data-testid=wizard]').waitFor()
    expect((await focused(page)).name).toBe('vm-name')
    // Enter in the name field submits the step; a refused name puts the focus back on the field
    await page.keyboard.press('Enter')
    await page.locator('[data-testid=error-name]').waitFor()
    expect((await focused(page)).name).toBe('vm-name')
    await page.keyboard.type('kbd-vm')
    await page.keyboard.press('Enter')
    await page.locator('#vm-host').waitFor()
    // the name field went away with its step: the focus moves into the new step, not out of the dialog
    await expect.poll(async () => (await focused(page, '[data-testid=wizard]')).inside).toBe(true)
    await page.click('[data-testid=wizard-next]')
    await page.click('[data-testid=wizard-next]')
    await page.locator('[data-testid=review]').waitFor()
    // the Next button became Create under the focus: still focused
    expect((await focused(page)).name).toBe('wizard-create')
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab')
      expect((await focused(page, '[data-testid=wizard]')).inside).toBe(true)
    }
    await page.keyboard.press('Shift+Tab')
    expect((await focused(page, '[data-testid=wizard]')).inside).toBe(true)
    await page.keyboard.press('Escape')
    await page.locator('[data-testid=wizard]').waitFor({ state: 'detached' })
    expect((await focused(page)).name).toBe('new-vm')
    expect(await page.locator('[data-testid=new-vm-empty]').count()).toBe(1) // nothing was created
  })

  it('opens the Migrate dialog with Enter and gives the focus back to the Migrate button on Escape', async () => {
    const { page, ws } = s
    const created = await ws.call('vms.create', { name: 'kbd-mig', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: true, hostId: 'host-a' })
    expect(created.ok).toBe(true)
    vmId = (created.value as { id: string }).id
    expect((await ws.call('vms.start', { id: vmId })).ok).toBe(true)
    await page.locator(`tr[data-vm="kbd-mig"] .link`).click()
    const migrate = page.locator('[data-testid=vm-migrate]')
    await expect.poll(() => migrate.isEnabled(), { timeout: 60_000 }).toBe(true)
    await enterThenEscape(page, migrate, '[data-testid=migrate-dialog]')
    expect((await focused(page)).name).toBe('vm-migrate')
  }, 120_000)

  it('asks before deleting, cancels on Escape with the focus back on Delete', async () => {
    const { page } = s
    const del = page.locator('[data-testid=vm-detail] [data-action=delete]')
    await enterThenEscape(page, del, '[data-testid=confirm-dialog]')
    expect((await focused(page)).name).toBe(await del.getAttribute('aria-label'))
    await page.locator('[data-testid=vm-detail]').waitFor() // still there
  })

  it('shows no message key on any page in 简体中文 at 1024 × 640, and the VM table fits the window', async () => {
    const { page } = s
    await page.setViewportSize({ width: 1024, height: 640 })
    await page.click('[data-testid=back]')
    // back on the list, the keyboard is on the row of the VM just left
    await expect.poll(() => page.locator('tr[data-vm="kbd-mig"] .link:focus').count()).toBe(1)
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.getByRole('heading', { name: '虚拟机' }).waitFor()
    const seen: Record<string, string> = {}
    const read = async (where: string): Promise<void> => {
      const text = await page.locator('main.content').innerText()
      expect(/[\u4e00-\u9fff]/.test(text), `${where} has Chinese text`).toBe(true)
      seen[where] = (text.match(RAW_KEY) ?? []).join(', ')
    }
    // the page never scrolls sideways: the table and its actions fit 1024 px
    expect(await page.evaluate('document.scrollingElement.scrollWidth <= window.innerWidth')).toBe(true)
    const table = page.locator('[data-testid=vm-table]')
    const box = await table.boundingBox()
    expect(box !== null && box.x + box.width <= 1024).toBe(true)
    await read('vms')
    await page.click('[data-testid=new-vm]')
    for (let step = 1; step <= 4; step++) {
      seen[`wizard ${step}`] = ((await page.locator('[data-testid=wizard]').innerText()).match(RAW_KEY) ?? []).join(', ')
      if (step === 1) await page.fill('[data-testid=vm-name]', 'zh-vm')
      if (step < 4) await page.click('[data-testid=wizard-next]')
    }
    await page.keyboard.press('Escape')
    await page.locator('tr[data-vm="kbd-mig"] .link').click()
    await page.locator('[data-testid=vm-detail]').waitFor()
    await read('vm page')
    for (const nav of ['hosts', 'migrations', 'attestation', 'io', 'isolation', 'settings']) {
      await page.click(`[data-nav=${nav}]`)
      await page.locator(`[data-nav=${nav}][aria-current=page]`).waitFor()
      await page.locator('main.content h1').waitFor()
      await read(nav)
      if (nav === 'hosts') expect(await page.title()).toBe('主机 — VMM Workbench') // the window names the page
      if (nav === 'io') {
        // the tabs follow the arrow keys
        await page.focus('[data-tab=exits]')
        for (const tab of ['net', 'plan']) {
          await page.keyboard.press('ArrowRight')
          await page.locator(`[data-tab=${tab}][aria-selected=true]:focus`).waitFor()
          await read(`io ${tab}`)
        }
      }
      if (nav === 'attestation') {
        await page.locator('[data-test=tab-pcrs]').waitFor()
        for (const tab of ['pcrs', 'events', 'tamper', 'seal', 'export']) {
          await page.click(`[data-test=tab-${tab}]`)
          await read(`attestation ${tab}`)
        }
      }
    }
    expect(Object.entries(seen).filter(([, keys]) => keys !== '')).toEqual([])
    expect(s.pageErrors).toEqual([])
    expect(consoleErrors).toEqual([])
    expect((await s.ws.call('vms.stop', { id: vmId })).ok).toBe(true)
  }, 120_000)
})
