// The Isolation lab page in a real browser against the built lab server: run a small experiment in the service's
// worker (progress bar, then the comparison table and charts), replay a VM escape step by step down to the
// crossing reads, export CSV, cancel a long run, and read the page in 简体中文.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { missingPrerequisite } from './lab-server'
import { labPage } from './lab-page'
import type { RunningLab } from './lab-server'

const skip = missingPrerequisite()
let lab: RunningLab
let page: Page
let pageErrors: string[] = []

async function setParam(name: string, value: string): Promise<void> {
  await page.fill(`[data-param=${name}]`, value)
}

describe.skipIf(skip !== null)(`Isolation lab UI in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const session = labPage(1000, { acceptDownloads: true })
  beforeAll(() => {
    ;({ lab, page, pageErrors } = session)
  })

  it('runs trials, shows rates with intervals, replays a VM escape, exports CSV', async () => {
    await page.goto(lab.url)
    await page.locator('[data-nav=isolation]').click()
    await page.getByRole('heading', { name: 'Isolation lab: containers vs VMs' }).waitFor()
    await setParam('pKernelFlaw', '1')
    await setParam('pVmmFlaw', '1')
    await setParam('trials', '2')
    await setParam('tries', '150')
    await setParam('vmTries', '1500')
    await page.click('[data-run]')
    await page.locator('[data-result] [data-row=vms]').waitFor({ timeout: 90_000 })
    // every configuration ran 2 trials; both flaws on: containers and VMs escape, the filter holds
    expect(await page.locator('[data-row=containers] [data-cell=escapes]').innerText()).toBe('2 / 2')
    expect(await page.locator('[data-row=containers-filtered] [data-cell=escapes]').innerText()).toBe('0 / 2')
    expect(await page.locator('[data-row=vms] [data-cell=escapes]').innerText()).toBe('2 / 2')
    expect(await page.locator('[data-row=vms]').innerText()).toMatch(/VMM\s+\d+ exit reasons \+ 1032 device registers/)
    expect(await page.locator('[data-chart=rate]').isVisible()).toBe(true)
    await page.selectOption('[data-time-axis]', 'virtual')
    expect(await page.locator('[data-chart=time]').isVisible()).toBe(true)
    expect(await page.locator('[data-why]').innerText()).toContain('share one kernel')

    // replay: a VM escape by default; step to the end, where the crossing reads and the engine's check are
    const steps = Number((await page.locator('[data-replay-step]').innerText()).match(/of (\d+)/)![1])
    for (let i = 1; i < steps; i++) await page.click('[data-replay-next]')
    const replay = await page.locator('[data-replay] ol').innerText()
    expect(replay).toMatch(/Device page read 1: slot \d \(attacker address 0x3000[1-8]000\), 128 reads → host 0x[0-9a-f]+–0x[0-9a-f]+: attacker-vm:virtio-config-buffer/)
    expect(replay).toMatch(/reached victim-vm:ram at host 0x[0-9a-f]+ = the victim’s guest-physical 0x8/)
    expect(replay).toMatch(/Read \d+: slot \d offset 0x[0-9a-f]+ → host 0x[0-9a-f]+ \(victim 0x8[0-9a-f]+\): bytes [0-9a-f]{8}/)
    expect(replay).toMatch(/escape counted after \d+ tries/)

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=csv]')])
    expect(download.suggestedFilename()).toBe('isolation-lab.csv')
  }, 180_000)

  it('shows progress and cancels a long run', async () => {
    await setParam('trials', '500')
    await page.click('[data-run]')
    await page.locator('[data-progress]').waitFor()
    // the bar moves: the first trial's isolation.progress event arrived
    await expect.poll(async () => Number(await page.locator('[data-progress]').getAttribute('value')), { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(1)
    await page.click('[data-cancel]')
    await page.locator('[data-progress]').waitFor({ state: 'detached', timeout: 30_000 })
    expect(await page.locator('[data-run]').isEnabled()).toBe(true)
  }, 120_000)

  it('speaks 简体中文', async () => {
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.getByRole('heading', { name: '隔离实验：容器与虚拟机' }).waitFor()
    expect(await page.locator('[data-why]').innerText()).toContain('共享同一个内核')
    expect(await page.locator('[data-row=vms]').innerText()).toContain('种退出原因')
    expect(pageErrors).toEqual([])
  }, 60_000)
})
