// Live migration in a real browser against the built lab server: a running guest (the real kernel on the real
// VMM in host-a's worker) is moved to host-b through the Migrate dialog; the progress view fills in (status,
// statistics, per-round chart), the history exports as CSV, the post-copy warning shows, and the dialog speaks
// 简体中文 when the language changes. From a VM's own page, a guest serving `web` on its virtio NIC migrates
// with the host load client running: the rounds chart and the latency timeline fill with engine numbers (the
// blip next to the reported downtime), in English and 简体中文 (screenshots in $TMPDIR/wb-migration-web-*.png).
import { tmpdir } from 'node:os'
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
const call: LabSocket['call'] = (command, payload) => ws.call(command, payload)

describe.skipIf(skip !== null)(`migration UI in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const session = labPage(1000, { acceptDownloads: true })
  beforeAll(async () => {
    ;({ lab, ws, page, pageErrors } = session)
    const created = await call('vms.create', { name: 'mover', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' })
    expect(created.ok).toBe(true)
    const vm = created.value as { id: string }
    expect((await call('vms.start', { id: vm.id })).ok).toBe(true)
  }, 120_000)

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
    // the source's and the destination's reports arrive on two ports: wait for both
    await expect.poll(() => page.locator('[data-testid=mig-status]').innerText(), { timeout: 60_000, interval: 250 }).toMatch(/Completed.*running/)
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

  it('migrates a web VM from its own page: rounds chart and latency timeline with the blip beside the downtime', async () => {
    // host time on a host is shared by its VMs (host/host-network.ts): with another VM running at the
    // destination, delivery there follows the scheduler too; alone, the latencies are exact in virtual time
    const others = (await call('vms.list', {})).value as { id: string; state: string }[]
    for (const v of others) if (v.state === 'running') expect((await call('vms.stop', { id: v.id })).ok).toBe(true)
    // a stopped VM's page says why it cannot migrate
    const mover = others.find((v) => v.state === 'running')
    if (mover) {
      await page.goto(`${lab.url}#/vms/${encodeURIComponent(mover.id)}`)
      const why = page.locator('[data-testid=vm-migrate-blocked]')
      await expect.poll(() => why.innerText(), { timeout: 10_000 }).toContain('只有运行中的虚拟机才能迁移（当前为 已停止）')
      expect(await page.locator('[data-testid=vm-migrate]').isDisabled()).toBe(true)
      await page.screenshot({ path: join(tmpdir(), 'wb-migration-blocked-zh.png') })
      await page.selectOption('[data-testid=language]', 'en')
      await expect.poll(() => why.innerText()).toContain('Only a running VM can be migrated (this one is Stopped)')
    }
    const created = await call('vms.create', { name: 'webvm', memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' })
    const id = (created.value as { id: string }).id
    expect((await call('vms.start', { id })).ok).toBe(true)
    const serial = async (): Promise<string> => {
      const r = (await call('vms.serialHistory', { id })).value as { bytes: string }
      return Buffer.from(r.bytes, 'base64').toString()
    }
    await expect.poll(serial, { timeout: 90_000, interval: 250 }).toContain('wb$ ')
    expect((await call('vms.sendSerial', { id, text: 'run web\r' })).ok).toBe(true)
    await expect.poll(serial, { timeout: 30_000, interval: 250 }).toContain('web: serving on virtio-net')

    await page.selectOption('[data-testid=language]', 'en')
    await page.goto(`${lab.url}#/vms/${encodeURIComponent(id)}`)
    await page.locator('[data-testid=vm-detail]').waitFor()
    const button = page.locator('[data-testid=vm-migrate]')
    await expect.poll(() => button.isEnabled(), { timeout: 10_000 }).toBe(true)
    await button.click()
    const dialog = page.locator('[data-testid=migrate-dialog]')
    await dialog.waitFor()
    expect(await page.locator('[data-testid=mig-vm]').inputValue()).toBe(id)
    // 2 MiB/s: one round of mostly zero pages, then a switch of about 50 ms
    await dialog.locator('[data-param="max-bandwidth"] input').fill('2')
    await expect.poll(() => page.locator('[data-testid=mig-start]').isEnabled(), { timeout: 10_000 }).toBe(true)
    await page.click('[data-testid=mig-start]')

    const panel = page.locator('[data-testid=vm-migration]')
    await panel.waitFor()
    await expect.poll(() => panel.locator('[data-testid=mig-status]').innerText(), { timeout: 90_000, interval: 250 }).toMatch(/Completed.*running/)
    await panel.locator('[data-testid=rounds-chart]').waitFor()
    await panel.locator('[data-testid=latency-chart]').waitFor()
    // the client's tail at the destination ends with every request answered once
    const summary = panel.locator('[data-testid=latency-summary]')
    await expect.poll(() => summary.getAttribute('data-client-status'), { timeout: 60_000, interval: 250 }).toBe('done')
    expect(await summary.innerText()).toMatch(/(\d+) of \1 requests answered .* 0 lost · 0 answered twice/)
    const blip = await panel.locator('[data-testid=latency-blip]').innerText()
    const m = /longest silence ([\d.]+) ms, worst latency ([\d.]+) ms · reported downtime ([\d.]+) ms/.exec(blip)
    expect(m).not.toBeNull()
    const [gap, worst, downtime] = (m as RegExpExecArray).slice(1).map(Number)
    expect(downtime).toBeGreaterThan(5)
    expect(Math.abs(gap - downtime)).toBeLessThanOrEqual(0.1 * downtime + 1)
    expect(Math.abs(worst - downtime)).toBeLessThanOrEqual(0.1 * downtime + 1)
    // the numbers on the page are the service's
    const rec = ((await call('migrations.list', {})).value as { vmId: string; info: { downtime: number }; client: { maxGapMs: number } }[]).findLast((r) => r.vmId === id)
    expect(rec?.info.downtime.toFixed(2)).toBe(downtime.toFixed(2))
    expect(rec?.client.maxGapMs.toFixed(2)).toBe(gap.toFixed(2))
    expect(await page.locator('[data-testid=vm-detail] h1').innerText()).toContain('webvm')
    await page.screenshot({ path: join(tmpdir(), 'wb-migration-web-en.png'), fullPage: true })

    await page.selectOption('[data-testid=language]', 'zh-CN')
    await expect.poll(() => panel.locator('[data-testid=latency-blip]').innerText()).toContain('报告的停机时间')
    expect(await panel.locator('[data-testid=mig-status]').innerText()).toContain('已完成')
    await page.screenshot({ path: join(tmpdir(), 'wb-migration-web-zh.png'), fullPage: true })
    // the history lists the blip next to the downtime
    await page.locator('[data-nav=migrations]').click()
    const row = page.locator('[data-testid=mig-history] tbody tr', { hasText: 'webvm' })
    await expect.poll(() => row.locator('[data-col=blip]').innerText()).toBe(`${rec?.client.maxGapMs.toFixed(1)} ms`)
    await page.screenshot({ path: join(tmpdir(), 'wb-migration-history-zh.png'), fullPage: true })
    expect(pageErrors).toEqual([])
  }, 240_000)
})
