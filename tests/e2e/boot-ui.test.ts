// The create-VM wizard's boot choice in 简体中文, in chromium against the lab server: a web-server VM created from
// the wizard (more than one vCPU is refused with the uniprocessor note), shown as such in the VM list and on its
// page, serves on its virtio NIC at boot ("web: serving" from the real kernel), is told its RAM size (mem=), and,
// once stopped, its boot choice is edited to the CPU workload, which the next boot runs.
// WB_SHOTS=<dir> also saves screenshots of the wizard and the VM page there.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { labPage } from './lab-page'
import { missingPrerequisite } from './lab-server'

const skip = missingPrerequisite()
const SHOTS = process.env.WB_SHOTS

describe.skipIf(skip !== null)(`boot choice in the wizard${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const s = labPage(1000)
  const shot = async (name: string): Promise<void> => {
    if (!SHOTS) return
    mkdirSync(SHOTS, { recursive: true })
    await s.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  }
  const consoleText = (): Promise<string> => s.page.locator('[data-testid=console] .xterm-rows').innerText()

  it('creates a web-server VM from the wizard in 简体中文; it serves at boot', async () => {
    const { page } = s
    await page.goto(s.lab.url)
    await page.getByRole('heading', { name: 'Virtual machines' }).waitFor()
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.getByRole('heading', { name: '虚拟机' }).waitFor()
    await page.click('[data-testid=new-vm]')
    await page.fill('[data-testid=vm-name]', 'web-e2e')
    // each choice explains itself in one line; the dirtier shows its numbers
    expect(await page.locator('[data-testid=wizard]').innerText()).toContain('以固定速率反复写一组工作集页面')
    await page.check('[data-testid=boot-dirty]')
    await page.fill('[data-testid=boot-pages]', '0')
    await page.click('[data-testid=wizard-next]')
    expect(await page.locator('[data-testid=error-boot]').innerText()).toContain('工作集必须是 1 到 262144 之间的整数页')
    await page.fill('[data-testid=boot-pages]', '10240')
    await shot('wizard-boot-zh-CN')
    await page.check('[data-testid=boot-web]')
    await page.click('[data-testid=wizard-next]')
    // one vCPU: the note says why, and 2 is refused in words
    expect(await page.locator('[data-testid=vcpus-note]').innerText()).toContain('单处理器')
    await page.fill('[data-testid=vm-memory]', '32')
    await page.fill('[data-testid=vm-vcpus]', '2')
    await page.click('[data-testid=wizard-next]')
    expect(await page.locator('[data-testid=error-vcpus]').innerText()).toContain('只能有 1 个 vCPU')
    await page.fill('[data-testid=vm-vcpus]', '1')
    await page.click('[data-testid=wizard-next]')
    await page.check('[data-testid="nic-virtio"]')
    await page.click('[data-testid=wizard-next]')
    expect(await page.locator('[data-testid=review-boot]').innerText()).toBe('Web 服务器')
    expect(await page.locator('[data-testid=review-cmdline]').innerText()).toBe('selftest=0 workload=web')
    await page.click('[data-testid=wizard-create]')
    const row = page.locator('tr[data-vm="web-e2e"]')
    await row.waitFor()
    expect(await row.locator('[data-testid=vm-boot]').innerText()).toBe('Web 服务器')
    await shot('vm-list-zh-CN')

    await row.locator('[data-action=start]').click()
    await row.locator('[data-state=running]').waitFor()
    await row.locator('.link').click()
    await page.locator('[data-testid=vm-detail]').waitFor()
    expect(await page.locator('[data-testid=vm-detail] [data-testid=vm-boot]').innerText()).toContain('Web 服务器')
    await expect.poll(consoleText, { timeout: 120_000, interval: 250 }).toContain('web: serving on virtio-net')
    const text = await consoleText()
    expect(text).toContain('cmdline: console=ttyS0 selftest=0 workload=web net=virtio mem=32M')
    expect(text).toMatch(/memory: 32768 KiB/)
    await shot('vm-page-zh-CN')
  }, 180_000)

  it('edits the boot choice of the stopped VM; the next boot runs the CPU workload', async () => {
    const { page } = s
    // no edit while it runs
    expect(await page.locator('[data-testid=boot-edit-open]').count()).toBe(0)
    await page.locator('[data-testid=vm-detail] [data-action=stop]').click()
    await page.click('[data-testid=confirm]')
    await page.locator('[data-testid=vm-detail] [data-state=stopped]').waitFor()
    await page.click('[data-testid=boot-edit-open]')
    await page.check('[data-testid=boot-edit-cpu]')
    await page.fill('[data-testid=boot-iters]', '4321')
    await page.click('[data-testid=boot-edit-save]')
    await page.locator('[data-testid=boot-edit]').waitFor({ state: 'detached' })
    expect(await page.locator('[data-testid=vm-detail] [data-testid=vm-boot]').innerText()).toContain('启动：CPU 负载，4,321 次迭代')
    await page.locator('[data-testid=vm-detail] [data-action=start]').click()
    await expect.poll(consoleText, { timeout: 120_000, interval: 250 }).toMatch(/cpu: 4321 iterations, checksum 0x[0-9a-f]{8}/)
    expect(s.pageErrors).toEqual([])
  }, 180_000)
})
