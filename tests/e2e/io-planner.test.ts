// The placement planner in chromium against the lab server: the teaching-lab preset loaded into the Hosts from the
// planner tab (its sample VMs become what-if VMs), the matrix and its summary, a real VM created and a host edited
// through the service (the matrix follows), the reasons reached by keyboard focus, a what-if VM added, the CSV
// download, and the same page in 简体中文. SCREENSHOT_DIR=... saves the tab in both languages.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
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

const cell = (vm: string, nic: string) => page.locator(`[data-testid=plan-matrix] tr[data-vm="${vm}"] td[data-nic="${nic}"]`)
async function shot(name: string): Promise<void> {
  const dir = process.env.SCREENSHOT_DIR
  if (dir) await page.locator('[data-result=plan]').screenshot({ path: join(dir, name) })
}

describe.skipIf(skip !== null)(`placement planner in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const session = labPage(1300, { acceptDownloads: true })
  beforeAll(async () => {
    ;({ lab, ws, page, pageErrors } = session)
  })

  it('loads the teaching-lab preset into the Hosts and plans its sample VMs', async () => {
    await page.goto(lab.url)
    await page.locator('[data-nav=io]').click()
    await page.click('[data-tab=plan]')
    await page.locator('[data-testid=plan-empty]').waitFor()
    await page.click('[data-testid=plan-preset]')
    expect(await page.locator('[data-testid=confirm-dialog]').innerText()).toContain('lab-a')
    await page.click('[data-testid=confirm]')
    await page.locator('[data-testid=plan-matrix] tr[data-vm="legacy-1"]').waitFor()
    const hosts = (await ws.call('hosts.list', {})).value as { id: string }[]
    expect(hosts.map((h) => h.id)).toEqual(['lab-a', 'lab-b', 'lab-c', 'lab-d'])
    expect(await page.locator('[data-testid=plan-matrix] tbody tr').count()).toBe(6)
    const summary = await page.locator('[data-testid=plan-summary]').innerText()
    expect(summary).toContain('with virtio every VM can move anywhere (6 of 6)')
    expect(summary).toContain('with SR-IOV VFs 4 of 6 are pinned, 2 cannot use it on their host')
    expect(await cell('web-1', 'virtio').getAttribute('data-kind')).toBe('anywhere')
    expect(await cell('web-1', 'sriov-vf').getAttribute('data-kind')).toBe('pinned')
    expect(await cell('student-1', 'sriov-vf').getAttribute('data-kind')).toBe('unavailable')
    // failover from lab-a: only lab-b has a VF to rebuild the pair with
    const fo = cell('web-2', 'vf-failover')
    expect(await fo.getAttribute('data-kind')).toBe('some')
    expect(await fo.locator('[data-mark=move]').allInnerTexts()).toEqual(['lab-b'])
  }, 120_000)

  it('follows the cluster: a VM created and a host edited through the service show up', async () => {
    const created = await ws.call('vms.create', { name: 'mine', memoryMiB: 64, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'sriov-vf', vtpm: false, hostId: 'lab-b' })
    expect(created.ok).toBe(true)
    await page.locator('[data-testid=plan-matrix] tr[data-vm="mine"]').waitFor()
    expect(await cell('mine', 'sriov-vf').getAttribute('class')).toContain('current')
    expect(await page.locator('[data-host=lab-b]').first().innerText()).toContain('VFs 1/2')
    // lab-b loses its SR-IOV NIC's second VF: failover can no longer go there (mine holds the only one)
    const edit = await ws.call('hosts.update', { id: 'lab-b', name: 'lab-b', cores: 8, memoryMiB: 16384, iommu: true, sriovVfs: 1 })
    expect(edit.ok).toBe(true)
    await expect.poll(() => cell('web-2', 'vf-failover').getAttribute('data-kind'), { timeout: 10_000 }).toBe('pinned')
    // and db-1 (what-if, on lab-b) can no longer have a VF where it is: mine holds the only one
    expect(await cell('db-1', 'sriov-vf').getAttribute('data-kind')).toBe('unavailable')
  }, 60_000)

  it('gives the reasons on keyboard focus, one host after the other', async () => {
    await page.mouse.move(0, 0) // no hover: the focus alone shows the reasons
    const chip = cell('web-1', 'sriov-vf').locator('[data-host=lab-c]')
    await chip.focus()
    const why = page.locator(`#${await chip.getAttribute('aria-describedby')}`)
    expect(await why.isVisible()).toBe(true)
    const text = await why.innerText()
    expect(text).toContain('lab-c: can neither run nor migrate here')
    expect(text).toContain('Host lab-c has no IOMMU')
    expect(text).toContain('passed through from the host’s hardware')
    await page.keyboard.press('Tab')
    expect(await why.isVisible()).toBe(false)
    const next = cell('web-1', 'sriov-vf').locator('[data-host=lab-d]')
    expect(await next.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true)
    const nextWhy = page.locator(`#${await next.getAttribute('aria-describedby')}`)
    expect(await nextWhy.isVisible()).toBe(true)
    await page.keyboard.press('Escape') // dismissable without moving the focus
    expect(await nextWhy.isVisible()).toBe(false)
    await page.keyboard.press('Shift+Tab')
    await shot('planner-en.png')
  }, 60_000)

  it('adds a what-if VM and exports the matrix as CSV', async () => {
    await page.fill('[data-field=what-if-name]', 'huge')
    await page.selectOption('[data-field=what-if-host]', 'lab-d')
    await page.fill('[data-field=what-if-memory]', '1024')
    await page.click('[data-testid=what-if-add]')
    await page.locator('[data-testid=plan-matrix] tr[data-vm="huge"]').waitFor()
    // what-if VMs outlive a trip to another tab
    await page.click('[data-tab=net]')
    await page.click('[data-tab=plan]')
    await page.locator('[data-testid=plan-matrix] tr[data-vm="huge"]').waitFor()
    expect(await cell('huge', 'sriov-vf').getAttribute('data-kind')).toBe('unavailable')
    expect(await cell('huge', 'virtio').getAttribute('data-kind')).toBe('anywhere')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=plan-csv]')])
    expect(download.suggestedFilename()).toBe('io-placement-plan.csv')
    const lines = readFileSync((await download.path()) ?? expect.unreachable(), 'utf8').trimEnd().split('\r\n')
    expect(lines[0]).toBe('vm,from,nic,cell,host,can_run,run_refusals,can_migrate,migrate_refusals')
    expect(lines).toHaveLength(1 + 8 * 4 * 4) // mine + 6 samples + huge, 4 NIC choices, 4 hosts
    expect(lines).toContain('web-1,lab-a,sriov-vf,pinned,lab-c,no,IO_NO_IOMMU(host=lab-c nic=sriov-vf),no,MIGRATION_BLOCKED_PASSTHROUGH(device=nic0 kind=sriov-vf); MIGRATION_DEST_LACKS_CAPABILITY(host=lab-c capability=nic:sriov-vf)')
  }, 60_000)

  it('speaks 简体中文', async () => {
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.getByRole('heading', { name: 'I/O 虚拟化实验' }).waitFor()
    const summary = await page.locator('[data-testid=plan-summary]').innerText()
    expect(summary).toContain('使用 virtio 时，每台虚拟机都能迁移到任何主机（8/8）')
    expect(await page.locator('[data-testid=plan-preset]').innerText()).toBe('将教学实验室预设载入“主机”')
    const chip = cell('web-1', 'sriov-vf').locator('[data-host=lab-c]')
    await chip.focus()
    expect(await page.locator(`#${await chip.getAttribute('aria-describedby')}`).innerText()).toContain('主机 lab-c 没有 IOMMU')
    await shot('planner-zh.png')
    expect(pageErrors).toEqual([])
  }, 60_000)
})
