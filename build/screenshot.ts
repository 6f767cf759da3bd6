// Takes the README screenshots: starts the built lab server on a temporary data directory, creates two VMs (one per
// virtualization mode), boots them, runs a workload, migrates the web server with its load client, runs the labs, and captures the pages with
// Debian's chromium: docs/screenshot.png (VM page, English), docs/screenshot-zh-CN.png (VM list, 简体中文) and the
// gallery in docs/screenshots/.   npx tsx build/screenshot.ts   (after npm run build; WB_LAB_ROOT for another build)
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { openPage } from '../tests/e2e/browser'
import { startLab } from '../tests/e2e/lab-server'

const DOCS = join(__dirname, '../docs')
const GALLERY = join(DOCS, 'screenshots')

/** Waits until `done` holds (polling), at most `ms`. */
async function until(page: Page, done: () => Promise<boolean>, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end && !(await done()); ) await page.waitForTimeout(250)
}

async function main(): Promise<void> {
  mkdirSync(GALLERY, { recursive: true })
  const lab = await startLab()
  const { browser, page } = await openPage(900)
  try {
    await page.setViewportSize({ width: 1440, height: 900 })
    const nav = async (id: string): Promise<void> => {
      await page.click(`[data-nav=${id}]`)
      await page.locator(`[data-nav=${id}][aria-current=page]`).waitFor()
    }
    await page.goto(lab.url)
    await page.locator('[data-testid=new-vm]').waitFor()
    const create = async (name: string, mode: string, nic: string, vtpm: boolean): Promise<void> => {
      await page.click('[data-testid=new-vm]')
      await page.fill('[data-testid=vm-name]', name)
      await page.click('[data-testid=wizard-next]')
      await page.check(`[data-testid="mode-${mode}"]`)
      await page.click('[data-testid=wizard-next]')
      await page.locator(`[data-testid="nic-${nic}"]`).waitFor()
      await page.check(`[data-testid="nic-${nic}"]`)
      if (vtpm) await page.check('[data-testid=vm-vtpm]')
      await page.click('[data-testid=wizard-next]')
      await page.click('[data-testid=wizard-create]')
      await page.locator(`tr[data-vm="${name}"]`).waitFor()
    }
    await create('course-lab-1', 'trap-and-emulate', 'virtio', true)
    await create('web-tier', 'hardware-assisted', 'virtio', false)
    for (const name of ['course-lab-1', 'web-tier']) await page.locator(`tr[data-vm="${name}"] [data-action=start]`).click()

    // the VM page with a memory-dirtying workload
    await page.locator('tr[data-vm="course-lab-1"] .link').click()
    const text = (): Promise<string> => page.locator('[data-testid=console] .xterm-rows').innerText()
    await until(page, async () => (await text()).includes('wb$'), 60_000)
    await page.locator('[data-testid=console]').click()
    await page.keyboard.type('run dirty dirty.pages=64 dirty.rate=2000 dirty.passes=0')
    await page.keyboard.press('Enter')
    await page.waitForTimeout(9000)
    await page.mouse.move(0, 0)
    await page.screenshot({ path: join(DOCS, 'screenshot.png') })

    // a live migration of the web server to host-b, with the load client's latency timeline
    await nav('vms')
    await page.locator('tr[data-vm="web-tier"] .link').click()
    await until(page, async () => (await text()).includes('wb$'), 60_000)
    await page.locator('[data-testid=console]').click()
    await page.keyboard.type('run web')
    await page.keyboard.press('Enter')
    await until(page, async () => (await text()).includes('web: serving'), 60_000)
    await page.click('[data-testid=vm-migrate]')
    await page.selectOption('[data-testid=mig-target]', 'host-b')
    // a slow link (2 MiB/s) so the switch takes tens of ms and the client's blip shows beside the downtime
    await page.locator('[data-testid=migrate-dialog] [data-param="max-bandwidth"] input').fill('2')
    await page.click('[data-testid=mig-start]')
    const panel = page.locator('[data-testid=vm-migration]')
    await until(page, async () => /Completed/.test(await panel.innerText().catch(() => '')), 120_000)
    await panel.locator('[data-testid=latency-chart]').waitFor({ timeout: 60_000 })
    await page.waitForTimeout(1500)
    await page.mouse.move(0, 0)
    await panel.screenshot({ path: join(GALLERY, 'migration.png') })

    // the attestation checklist
    await nav('attestation')
    await page.locator('[data-test=attest-run]').click()
    await page.locator('[data-test=attest-verdict]').waitFor({ timeout: 60_000 })
    await page.screenshot({ path: join(GALLERY, 'attestation.png') })

    // the I/O lab's three network paths
    await nav('io')
    await page.click('[data-tab=net]')
    await page.click('[data-run=net]')
    await page.locator('[data-result=net]').waitFor({ timeout: 180_000 })
    await page.waitForTimeout(500)
    await page.screenshot({ path: join(GALLERY, 'io-lab.png') })

    // 简体中文: the VM list, the hosts, the isolation lab
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await nav('vms')
    await page.getByRole('heading', { name: '虚拟机' }).waitFor()
    await page.waitForTimeout(500)
    await page.screenshot({ path: join(DOCS, 'screenshot-zh-CN.png') })
    await nav('hosts')
    await page.waitForTimeout(500)
    await page.screenshot({ path: join(GALLERY, 'hosts-zh-CN.png') })
    await nav('isolation')
    await page.fill('[data-param=trials]', '10')
    await page.click('[data-run]')
    await page.locator('[data-result]').waitFor({ timeout: 600_000 })
    await page.evaluate("document.querySelector('[data-result]').scrollIntoView()") // the table and both charts
    await page.waitForTimeout(500)
    await page.screenshot({ path: join(GALLERY, 'isolation-zh-CN.png') })
  } finally {
    await browser.close()
    await lab.stop()
  }
}

void main()
