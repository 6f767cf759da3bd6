// The I/O lab page in a real browser against the built lab server: the exit lab runs guest code on the engine
// and shows A/B side by side, the three NIC paths fill the table and chart and export CSV, the planner tab opens,
// the labs run under trap-and-emulate too, the create-VM wizard shows what each NIC costs on a host, and
// the page speaks 简体中文.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { missingPrerequisite } from './lab-server'
import { labPage } from './lab-page'
import type { RunningLab } from './lab-server'

const skip = missingPrerequisite()
let lab: RunningLab
let page: Page
let pageErrors: string[] = []

describe.skipIf(skip !== null)(`I/O lab UI in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const session = labPage(1000, { acceptDownloads: true })
  beforeAll(() => {
    ;({ lab, page, pageErrors } = session)
  })

  it('runs the exit lab and the network paths, exports CSV, shows the planner', async () => {
    await page.goto(lab.url)
    await page.locator('[data-nav=io]').click()
    await page.getByRole('heading', { name: 'I/O virtualization lab' }).waitFor()
    const inputs = page.locator('.io-lab .panel').nth(1).locator('input')
    await inputs.nth(0).fill('100000')
    await inputs.nth(1).fill('4')
    await page.click('[data-run=exits]')
    const table = page.locator('[data-result=exits]')
    await table.waitFor({ timeout: 60_000 })
    const text = await table.innerText()
    expect(text).toMatch(/VM exits\s+100,000\s+\d+/)
    expect(await page.locator('.summary').innerText()).toMatch(/fewer exits/)

    await page.click('[data-tab=net]')
    const net = page.locator('.io-lab .panel').nth(1).locator('input')
    await net.nth(0).fill('64')
    await net.nth(1).fill('4')
    await page.click('[data-run=net]')
    await page.locator('[data-result=net] [data-path=sriov-vf]').waitFor({ timeout: 60_000 })
    expect(await page.locator('[data-result=net] tbody tr').count()).toBe(3)
    expect(await page.locator('[data-path=emulated] td').nth(1).innerText()).toBe('3')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=csv]')])
    expect(download.suggestedFilename()).toBe('io-network-lab.csv')

    await page.click('[data-tab=plan]')
    // default hosts, no VMs yet (the planner itself: io-planner.test.ts)
    await page.locator('[data-testid=plan-empty]').waitFor()
  }, 180_000)

  it('runs the network paths under trap-and-emulate and says so; the emulated NIC still pays its register exits on top', async () => {
    await page.click('[data-tab=net]')
    await page.selectOption('[data-field=mode]', 'trap-and-emulate')
    await page.click('[data-run=net]')
    await page.locator('[data-ran-in=net]').getByText('Trap-and-emulate').waitFor({ timeout: 60_000 })
    // every path also pays the guest's trapped clock reads; the emulated NIC pays its 3 register exits on top
    const exits = async (path: string): Promise<number> => Number((await page.locator(`[data-path=${path}] td`).nth(1).innerText()).replace(/,/g, ''))
    expect(await exits('emulated')).toBeGreaterThan((await exits('sriov-vf')) + 2)
  }, 120_000)

  it('the create-VM wizard shows the measured cost of each NIC on the chosen host and disables what it cannot give', async () => {
    await page.locator('[data-nav=vms]').click()
    await page.click('[data-testid=new-vm]')
    await page.fill('[data-testid=vm-name]', 'nic-costs')
    await page.click('[data-testid=wizard-next]')
    await page.selectOption('[data-testid=vm-host]', 'host-b') // no IOMMU
    await page.click('[data-testid=wizard-next]')
    await page.locator('[data-testid=nic-cost-note]').waitFor({ timeout: 60_000 })
    expect(await page.locator('[data-nic-cost=emulated]').innerText()).toMatch(/^3 exits per packet/)
    expect(await page.locator('[data-nic-cost=virtio]').innerText()).toContain('live-migratable')
    expect(await page.locator('[data-nic-cost=sriov-vf]').innerText()).toContain('pinned to this host')
    expect(await page.locator('[data-testid="nic-sriov-vf"]').isDisabled()).toBe(true)
    expect(await page.locator('[data-nic-reason=sriov-vf]').innerText()).toContain('has no IOMMU')
    await page.keyboard.press('Escape')
    await page.locator('[data-nav=io]').click()
    await page.click('[data-tab=plan]')
  }, 120_000)

  it('speaks 简体中文', async () => {
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.getByRole('heading', { name: 'I/O 虚拟化实验' }).waitFor()
    expect(await page.locator('[data-testid=plan-empty]').innerText()).toContain('还没有虚拟机')
    expect(pageErrors).toEqual([])
  }, 60_000)
})
