// The snapshot panel on the VM page in a real browser against the built lab server, with the real kernel on the
// real VMM: take a snapshot with a description, see it as the current position, revert to it after typing,
// clone the VM from it, export the VM as an archive (a browser download), upload it back and import it: the
// name clash is offered as an import under a new name. Then a damaged page: the revert of the stopped VM is
// refused naming the snapshot and the page, in English and in 简体中文, and the VM stays stopped; repaired, it
// reverts. WB_SHOTS=<dir> saves screenshots of the panel.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
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
let vmId = ''
let pageErrors: string[] = []

async function call<T>(command: string, payload: unknown): Promise<T> {
  const m = await ws.call(command, payload)
  if (m.ok) return m.value as T
  throw new Error(JSON.stringify(m.error))
}

/** Flip a byte of the stored copy of the highest non-zero guest page of a snapshot (found through its manifest's
 * page list and the packs' hash tables; the page is outside the kernel image, so a cold revert reads it). Returns
 * the guest page and a function that flips the byte back. */
function damageStoredPage(dataDir: string, vm: string, snapshot: string): { page: number; repair: () => void } {
  const store = join(dataDir, 'snapshots')
  const m = JSON.parse(readFileSync(join(store, 'vms', vm, 'snapshots', `${snapshot}.json`), 'utf8')) as { memory: { base: null; pages: (string | number)[] } }
  let index = 0
  let page = -1
  let hash = ''
  for (const e of m.memory.pages) {
    if (typeof e === 'number') index += e
    else [page, hash, index] = [index, Buffer.from(e, 'base64url').toString('hex'), index + 1]
  }
  for (const name of readdirSync(join(store, 'packs'))) {
    const file = join(store, 'packs', name)
    const pack = readFileSync(file)
    const count = pack.readUInt32LE(pack.length - 32 + 8)
    const table = pack.length - 32 - count * 32
    for (let slot = 0; slot < count; slot++) {
      if (pack.subarray(table + slot * 32, table + slot * 32 + 32).toString('hex') !== hash) continue
      const flip = (): void => {
        pack[slot * 4096 + 100] ^= 0x5a
        writeFileSync(file, pack)
      }
      flip()
      return { page, repair: flip }
    }
  }
  throw new Error(`page ${page} of ${snapshot} is in no pack`)
}

async function shot(name: string): Promise<void> {
  const dir = process.env.WB_SHOTS
  if (!dir) return
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}

async function serial(): Promise<string> {
  const r = await call<{ bytes: string }>('vms.serialHistory', { id: vmId })
  return Buffer.from(r.bytes, 'base64').toString('latin1')
}

describe.skipIf(skip !== null)(`snapshot panel in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    lab = await startLab()
    ws = await connect(lab)
    const vm = await call<{ id: string }>('vms.create', { name: 'snaplab', memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: false, hostId: 'host-a' })
    vmId = vm.id
    await call('vms.start', { id: vmId })
    ;({ browser, page, pageErrors } = await openPage(1200, { acceptDownloads: true }))
  }, 120_000)
  afterAll(async () => {
    ws?.close()
    await browser?.close()
    await lab?.stop()
  })

  it('takes, shows, reverts, clones and exports from the VM page', async () => {
    await expect.poll(serial, { timeout: 120_000, interval: 250 }).toContain('wb$ ')
    await page.goto(lab.url)
    const row = page.locator(`tr[data-vm="snaplab"]`)
    await row.locator('.link').click()
    const panel = page.locator('[data-testid=snapshots]')
    await panel.waitFor()
    await panel.locator('[data-testid=snapshot-description]').fill('clean prompt')
    await panel.locator('[data-action=take]').click()
    const snap = panel.locator('[data-testid=snapshot-tree] tr[data-snapshot="snap-0001"]')
    await snap.waitFor({ timeout: 60_000 })
    expect(await snap.innerText()).toContain('clean prompt')
    await snap.locator('[data-testid=current-snapshot]').waitFor()

    // type something, then revert through the confirmation dialog
    await call('vms.sendSerial', { id: vmId, text: 'echo before-revert\r' })
    await expect.poll(async () => (await serial()).split('before-revert').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3)
    await snap.locator('[data-action=revert]').click()
    await page.click('[data-testid=confirm]')
    await page.locator('[data-testid=notice]', { hasText: 'Reverted to snap-0001' }).waitFor({ timeout: 60_000 })
    await call('vms.sendSerial', { id: vmId, text: 'echo after-revert\r' })
    await expect.poll(async () => (await serial()).split('after-revert').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3)

    // clone from the snapshot: a new stopped VM
    await snap.locator('[data-action=clone]').click()
    await page.locator('[data-testid=clone-name]').fill('snaplab copy')
    await page.locator('[data-testid=clone-dialog] button[type=submit]').click()
    await page.locator('[data-testid=notice]', { hasText: 'snaplab copy' }).waitFor({ timeout: 60_000 })
    const vms = await call<{ name: string; state: string }[]>('vms.list', {})
    expect(vms.find((v) => v.name === 'snaplab copy')?.state).toBe('stopped')

    // export: the browser downloads the archive the service wrote
    const downloading = page.waitForEvent('download', { timeout: 60_000 })
    await panel.locator('[data-action=export]').click()
    const download = await downloading
    expect(download.suggestedFilename()).toBe(`${vmId}.vmwb.tar.gz`)
    const saved = await download.path()
    const archives = await call<{ folder: string; archives: { file: string }[] }>('snapshots.archives', {})
    expect(archives.archives.map((a) => a.file)).toEqual([`${vmId}.vmwb.tar.gz`])
    expect(readFileSync(saved).equals(readFileSync(`${archives.folder}/${vmId}.vmwb.tar.gz`))).toBe(true)

    // upload it back: the name exists, so the panel offers an import under a new name
    await panel.locator('[data-action=import]').click()
    await page.locator('[data-testid=upload-input]').setInputFiles(saved)
    const clash = panel.locator('[data-testid=import-clash]')
    await clash.waitFor({ timeout: 60_000 })
    expect(await clash.innerText()).toContain('snaplab')
    await clash.locator('[data-action=import-renamed]').click()
    await page.locator('[data-testid=notice]', { hasText: 'Imported VM “snaplab (2)”' }).waitFor({ timeout: 60_000 })
    expect((await call<{ name: string }[]>('vms.list', {})).map((v) => v.name).sort()).toEqual(['snaplab', 'snaplab (2)', 'snaplab copy'])

    // a large upload shows its progress (the network slowed to 2 MB/s), and a file that is not an archive is
    // refused with a clear message naming it
    const junk = join(mkdtempSync(join(tmpdir(), 'wb-junk-')), 'not-an-archive.tar.gz')
    writeFileSync(junk, randomBytes(6 << 20))
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2_000_000 })
    await panel.locator('[data-action=import]').click()
    await page.locator('[data-testid=upload-input]').setInputFiles(junk)
    const bar = panel.locator('[data-testid=snapshot-progress] progress[value]')
    await expect.poll(async () => Number((await bar.getAttribute('value', { timeout: 20_000 })) ?? 0), { timeout: 20_000, interval: 100 }).toBeGreaterThan(0)
    expect(await panel.locator('[data-testid=snapshot-progress]').innerText()).toMatch(/Uploading [\d.]+ [KM]iB of 6\.0 MiB… · \d+ %/)
    await page.locator('[data-testid=notice]', { hasText: 'is damaged or is not a VM archive' }).waitFor({ timeout: 60_000 })
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    rmSync(dirname(junk), { recursive: true, force: true })
    await shot('snapshots-en')
    expect(pageErrors).toEqual([])
  }, 300_000)

  it('refuses to revert onto a damaged page, naming the snapshot and the page, in English and 简体中文', async () => {
    await call('vms.stop', { id: vmId })
    await page.goto(lab.url)
    await page.locator(`tr[data-vm="snaplab"] .link`).click()
    const panel = page.locator('[data-testid=snapshots]')
    const snap = panel.locator('[data-testid=snapshot-tree] tr[data-snapshot="snap-0001"]')
    await snap.waitFor({ timeout: 30_000 })
    const damage = damageStoredPage(lab.dataDir, vmId, 'snap-0001')
    const revert = async (): Promise<void> => {
      await snap.locator('[data-action=revert]').click()
      await page.click('[data-testid=confirm]')
    }
    const state = async (): Promise<string> => (await call<{ id: string; state: string }[]>('vms.list', {})).find((v) => v.id === vmId)?.state ?? ''

    await revert()
    const refused = page.locator('[data-testid=notice].error', { hasText: 'snap-0001' })
    await refused.waitFor({ timeout: 60_000 })
    expect(await refused.innerText()).toContain(`Snapshot “clean prompt” (snap-0001) of VM “snaplab” is damaged: 1 memory page(s) missing or corrupt in the snapshot store (guest page ${damage.page}). The VM was not changed.`)
    expect(await state()).toBe('stopped')
    // the store check names every snapshot that uses the page (the clone and the import share it) and the pack
    await panel.locator('[data-action=check-store]').click()
    const check = panel.locator('[data-testid=store-check]')
    await check.waitFor({ timeout: 60_000 })
    expect(await check.locator('strong').innerText()).toMatch(/^Store checked: [2-9] problem\(s\) found\.$/)
    const problems = await check.locator('[data-testid=store-problem]').allInnerTexts()
    expect(problems).toContain(`Snapshot “clean prompt” (snap-0001) of VM “snaplab”: 1 memory page(s) missing or corrupt (guest page ${damage.page}). Reverting to it is refused; delete it, or import the VM again from an archive.`)
    expect(problems.some((p) => /^The page file pack-\d+\.pck of the snapshot store is damaged: 1 page\(s\) do not match their hash \(slots \d+\)\.$/.test(p))).toBe(true)
    await shot('snapshots-damaged-en')

    await page.selectOption('[data-testid=language]', 'zh-CN')
    await revert()
    const zh = page.locator('[data-testid=notice].error', { hasText: '已损坏' })
    await zh.waitFor({ timeout: 60_000 })
    expect(await zh.innerText()).toContain(`虚拟机“snaplab”的快照 “clean prompt” (snap-0001) 已损坏：快照库中有 1 个内存页缺失或损坏（客户机第 ${damage.page} 页）。虚拟机未被修改。`)
    await shot('snapshots-damaged-zh-CN')
    expect(await state()).toBe('stopped')

    await panel.locator('[data-action=check-store]').click()
    await expect.poll(() => check.locator('strong').innerText(), { timeout: 60_000 }).toMatch(/^快照库检查完毕：发现 [2-9] 个问题。$/)
    expect(await check.locator('[data-testid=store-problem]').allInnerTexts()).toContain(
      `虚拟机“snaplab”的快照 “clean prompt” (snap-0001)：1 个内存页缺失或损坏（客户机第 ${damage.page} 页）。恢复到该快照会被拒绝；请删除它，或从归档重新导入该虚拟机。`
    )
    await shot('snapshots-check-zh-CN')

    damage.repair()
    await panel.locator('[data-action=check-store]').click()
    await expect.poll(() => check.locator('strong').innerText(), { timeout: 60_000 }).toMatch(/^快照库检查完毕：\d 台虚拟机的 \d+ 个快照.*所有清单和内存页均完好。$/)
    await revert()
    await page.locator('[data-testid=notice]', { hasText: '恢复到 snap-0001' }).waitFor({ timeout: 60_000 })
    expect(await state()).toBe('paused')
    await shot('snapshots-zh-CN')
    await page.selectOption('[data-testid=language]', 'en')
    expect(pageErrors).toEqual([])
  }, 180_000)
})
