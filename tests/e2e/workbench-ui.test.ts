// The whole app in a real browser: Debian's chromium (headless) drives the built UI served by the lab server on
// a temporary data directory. Create a VM through the wizard (after it refuses bad input), start it, watch the
// real guest kernel boot in the console, type a command, stop the VM, switch to 简体中文, and reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { CHROMIUM, missingPrerequisite, startLab } from './lab-server'
import type { RunningLab } from './lab-server'

const skip = missingPrerequisite()
let lab: RunningLab
let browser: Browser
let page: Page
const pageErrors: string[] = []

const consoleText = (): Promise<string> => page.locator('[data-testid=console] .xterm-rows').innerText()

describe.skipIf(skip !== null)(`workbench UI in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    lab = await startLab()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless'] })
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    page.on('pageerror', (e) => pageErrors.push(e.message))
  })
  afterAll(async () => {
    await browser?.close()
    await lab?.stop()
  })

  it('creates a VM through the wizard, refusing invalid input first', async () => {
    await page.goto(lab.url)
    await page.getByRole('heading', { name: 'Virtual machines' }).waitFor()
    await page.click('[data-testid=new-vm]')
    // an invalid name is refused on the first step, with the reason
    await page.fill('[data-testid=vm-name]', '-bad name!')
    await page.click('[data-testid=wizard-next]')
    expect(await page.locator('[data-testid=error-name]').innerText()).toContain('Start with a letter or digit')
    await page.fill('[data-testid=vm-name]', 'e2e-guest')
    await page.check('[data-testid="boot-selftest"]') // the self-test at boot: millions of instructions to count
    await page.click('[data-testid=wizard-next]')
    // too little memory is refused on the platform step
    await page.fill('[data-testid=vm-memory]', '4')
    await page.click('[data-testid=wizard-next]')
    expect(await page.locator('[data-testid=error-memory]').innerText()).toContain('16 to 1024 MiB')
    await page.fill('[data-testid=vm-memory]', '32')
    await page.check('[data-testid="mode-trap-and-emulate"]')
    await page.click('[data-testid=wizard-next]')
    // host-a has an IOMMU: SR-IOV is selectable there
    expect(await page.locator('[data-testid="nic-sriov-vf"]').isDisabled()).toBe(false)
    await page.check('[data-testid="nic-emulated"]')
    await page.click('[data-testid=wizard-next]')
    expect(await page.locator('[data-testid=review]').innerText()).toContain('Trap-and-emulate')
    await page.click('[data-testid=wizard-create]')
    const row = page.locator('tr[data-vm="e2e-guest"]')
    await row.waitFor()
    expect(await row.innerText()).toMatch(/Stopped[\s\S]*host-a[\s\S]*32 MiB[\s\S]*Trap-and-emulate[\s\S]*Emulated NIC/)
  })

  it('starts the VM and shows the real guest booting in the console, which takes typed input', async () => {
    const row = page.locator('tr[data-vm="e2e-guest"]')
    await row.locator('[data-action=start]').click()
    await row.locator('[data-state=running]').waitFor()
    await row.locator('.link').click()
    await page.locator('[data-testid=vm-detail]').waitFor()
    await expect.poll(consoleText, { timeout: 120_000, interval: 250 }).toContain('wb$')
    expect(await consoleText()).toContain('VMM Workbench teaching kernel')
    await page.locator('[data-testid=console]').click()
    await page.keyboard.type('echo typed-through-xterm')
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await consoleText()).split('typed-through-xterm').length, { timeout: 40_000 }).toBeGreaterThanOrEqual(3)
    // live statistics: trap-and-emulate exits for privileged instructions, shown with the mode
    expect(await page.locator('[data-testid=mode]').innerText()).toBe('Trap-and-emulate')
    await page.locator('[data-testid=exit-table] [data-reason="privileged-insn"]').waitFor()
    const count = Number((await page.locator('[data-testid=exit-table] [data-reason="privileged-insn"] td').nth(1).innerText()).replace(/,/g, ''))
    expect(count).toBeGreaterThan(0)
    expect(Number((await page.locator('[data-testid=instructions]').innerText()).replace(/,/g, ''))).toBeGreaterThan(1_000_000)
  }, 180_000) // the guest boots in ~10 s on an idle machine; CI machines running other suites in parallel are slower

  it('stops the VM after confirmation', async () => {
    await page.locator('[data-testid=vm-detail] [data-action=stop]').click()
    await page.locator('[data-testid=confirm-dialog]').waitFor()
    await page.click('[data-testid=confirm]')
    await page.locator('[data-testid=vm-detail] [data-state=stopped]').waitFor()
  })

  it('switches to 简体中文, translates the page, and remembers it after a reload', async () => {
    await page.click('[data-testid=back]')
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.getByRole('heading', { name: '虚拟机' }).waitFor()
    const row = page.locator('tr[data-vm="e2e-guest"]')
    expect(await row.innerText()).toContain('已停止')
    expect(await row.innerText()).toContain('陷入并模拟')
    expect(await page.locator('[data-testid=new-vm]').innerText()).toContain('新建虚拟机')
    await page.reload()
    await page.getByRole('heading', { name: '虚拟机' }).waitFor()
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
    expect(pageErrors).toEqual([])
  })
})
