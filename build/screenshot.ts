// Takes the README screenshots: starts the built lab server on a temporary data directory, creates two VMs
// (one per virtualization mode), boots them, runs a workload, and captures the VM detail page in English and
// the VM list in 简体中文 with Debian's chromium.   npx tsx build/screenshot.ts   (after npm run build)
import { chromium } from 'playwright-core'
import { startLab } from '../tests/e2e/lab-server'
import { join } from 'node:path'

async function main(): Promise<void> {
  const lab = await startLab()
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 })
    await page.goto(lab.url)
    await page.locator('[data-testid=new-vm]').waitFor()
    const create = async (name: string, mode: string, nic: string, vtpm: boolean): Promise<void> => {
      await page.click('[data-testid=new-vm]')
      await page.fill('[data-testid=vm-name]', name)
      await page.click('[data-testid=wizard-next]')
      await page.check(`[data-testid="mode-${mode}"]`)
      await page.click('[data-testid=wizard-next]')
      await page.check(`[data-testid="nic-${nic}"]`)
      if (vtpm) await page.check('[data-testid=vm-vtpm]')
      await page.click('[data-testid=wizard-next]')
      await page.click('[data-testid=wizard-create]')
      await page.locator(`tr[data-vm="${name}"]`).waitFor()
    }
    await create('course-lab-1', 'trap-and-emulate', 'virtio', true)
    await create('web-tier', 'hardware-assisted', 'sriov-vf', false)
    for (const name of ['course-lab-1', 'web-tier']) await page.locator(`tr[data-vm="${name}"] [data-action=start]`).click()
    await page.locator('tr[data-vm="course-lab-1"] .link').click()
    const text = (): Promise<string> => page.locator('[data-testid=console] .xterm-rows').innerText()
    for (let i = 0; i < 240 && !(await text()).includes('wb$'); i++) await page.waitForTimeout(250)
    await page.locator('[data-testid=console]').click()
    await page.keyboard.type('run dirty dirty.pages=64 dirty.rate=2000 dirty.passes=0')
    await page.keyboard.press('Enter')
    await page.waitForTimeout(9000)
    await page.screenshot({ path: join(__dirname, '../docs/screenshot.png') })
    await page.click('[data-testid=back]')
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.waitForTimeout(800)
    await page.screenshot({ path: join(__dirname, '../docs/screenshot-zh-CN.png') })
  } finally {
    await browser.close()
    await lab.stop()
  }
}

void main()
