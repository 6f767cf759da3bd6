// The Hosts page as an instructor uses it, in 简体中文, in chromium against the built lab server: add a host without
// an IOMMU from the keyboard, see its card, see the create-VM wizard offer it; a refused edit shows its reason at
// the field; the teaching-lab preset is refused while a VM would lose its host, then confirmed and loaded. After an
// unreadable hosts file, the VMs left without a host are listed and come back with a host of the same name.
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { missingPrerequisite } from './lab-server'
import { labPage } from './lab-page'

const skip = missingPrerequisite()

interface HostDto {
  id: string
  name: string
  iommu: boolean
  sriovVfs: number
}

describe.skipIf(skip !== null)(`Hosts page in chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const session = labPage(900)

  it('adds a host without IOMMU in 简体中文 and the create-VM wizard offers it', async () => {
    const { page, lab, ws } = session
    await page.goto(lab.url)
    await page.selectOption('[data-testid=language]', 'zh-CN')
    await page.locator('[data-nav=hosts]').click()
    await page.getByRole('heading', { name: '主机', exact: true }).waitFor()
    // keyboard only: open the form, type, Enter submits
    await page.focus('[data-testid=add-host]')
    await page.keyboard.press('Enter')
    const form = page.getByRole('dialog', { name: '添加主机' })
    await form.waitFor()
    expect(await page.locator(':focus').getAttribute('id')).toBe('host-name')
    await page.keyboard.type('旧机器')
    await page.keyboard.press('Enter')
    // the schema's rule, in Chinese, at the field
    await form.getByText('以字母或数字开头').waitFor()
    await page.fill('#host-name', 'old-lab')
    await page.fill('#host-cores', '2')
    await page.fill('#host-memory', '512')
    await page.fill('#host-vfs', '0')
    expect(await page.isChecked('[data-testid=host-iommu]')).toBe(false)
    await page.focus('#host-vfs')
    await page.keyboard.press('Enter')
    const card = page.locator('[data-host=old-lab]')
    await card.waitFor()
    await form.waitFor({ state: 'detached' })
    expect(await card.locator('h2').innerText()).toBe('old-lab')
    expect(await card.locator('[data-iommu]').innerText()).toBe('否')
    expect(await card.innerText()).toContain('无 SR-IOV 网卡')
    expect(await card.innerText()).toContain('已用 0 / 512 MiB')
    expect(await card.locator('[data-worker]').innerText()).toBe('工作线程空闲')
    const listed = (await ws.call('hosts.list', {})).value as HostDto[]
    expect(listed.find((h) => h.name === 'old-lab')).toMatchObject({ id: 'old-lab', iommu: false, sriovVfs: 0 })

    // Escape closes the form without saving
    await card.locator('[data-action=edit]').focus()
    await page.keyboard.press('Enter')
    await page.getByRole('dialog', { name: '编辑主机 old-lab' }).waitFor()
    await page.keyboard.press('Escape')
    await page.getByRole('dialog', { name: '编辑主机 old-lab' }).waitFor({ state: 'detached' })
    // and the focus is back on the button that opened it
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe('编辑 old-lab')

    await page.locator('[data-nav=vms]').click()
    await page.click('[data-testid=new-vm]')
    await page.fill('[data-testid=vm-name]', 'student-1')
    await page.click('[data-testid=wizard-next]')
    const options = await page.locator('[data-testid=vm-host] option').allInnerTexts()
    expect(options).toEqual(['host-a', 'host-b', 'old-lab'])
    await page.selectOption('[data-testid=vm-host]', 'old-lab')
    await page.fill('[data-testid=vm-memory]', '128')
    await page.click('[data-testid=wizard-next]')
    // no IOMMU on the new host: the wizard cannot offer a VF
    expect(await page.isDisabled('[data-testid=nic-sriov-vf]')).toBe(true)
    await page.click('[data-testid=wizard-next]')
    await page.click('[data-testid=wizard-create]')
    await page.locator('[data-testid=wizard]').waitFor({ state: 'detached' })
  }, 120_000)

  it('lists the VM on its host card, refuses a shrink at the field, and loads the teaching lab once the VM is gone', async () => {
    const { page, ws } = session
    await page.locator('[data-nav=hosts]').click()
    const card = page.locator('[data-host=old-lab]')
    const vmLink = card.locator('[data-vm] a')
    await vmLink.waitFor()
    expect(await vmLink.innerText()).toBe('student-1')
    expect(await card.locator('[data-vm]').innerText()).toContain('virtio-net，128 MiB')
    expect(await card.locator('h3').innerText()).toBe('虚拟机 (1)')

    // the service refuses to shrink below the VM; the reason shows at the memory field and nothing changes
    await card.locator('[data-action=edit]').click()
    await page.fill('#host-memory', '64')
    await page.keyboard.press('Enter')
    const fieldError = page.locator('#host-memory-help.error')
    await fieldError.waitFor()
    expect(await fieldError.innerText()).toBe('主机 old-lab 的内存不能减到 64 MiB：虚拟机 student-1 单独就需要 128 MiB。')
    await page.keyboard.press('Escape')
    await page.locator('[data-testid=host-form]').waitFor({ state: 'detached' })
    expect(await card.innerText()).toContain('已用 0 / 512 MiB')

    await page.click('[data-testid=preset-teaching-lab]')
    const notice = page.locator('[data-testid=notice]').last()
    await notice.waitFor()
    expect(await notice.innerText()).toContain('主机 old-lab 将被移除，但其上有 1 台虚拟机')

    // the VM's name links to its page
    await vmLink.click()
    await page.getByRole('heading', { name: 'student-1' }).waitFor()
    expect(new URL(page.url()).hash).toBe('#/vms/student-1-1')
    const vms = (await ws.call('vms.list', {})).value as { id: string }[]
    await ws.call('vms.delete', { id: vms[0].id })

    await page.locator('[data-nav=hosts]').click()
    await page.click('[data-testid=preset-teaching-lab]')
    const confirm = page.locator('[data-testid=confirm-dialog]')
    await confirm.waitFor()
    const body = await confirm.innerText()
    expect(body).toContain('载入教学实验室预设？')
    expect(body).toContain('可以迁移到哪里。移除：host-a、host-b、old-lab。新增：lab-a、lab-b、lab-c、lab-d。')
    await confirm.locator('[data-testid=confirm]').click()
    await page.locator('[data-host=lab-d]').waitFor()
    expect(await page.locator('[data-host]').evaluateAll((els) => els.map((e) => e.getAttribute('data-host')))).toEqual(['lab-a', 'lab-b', 'lab-c', 'lab-d'])
    expect(await page.locator('[data-host=lab-c] [data-iommu]').innerText()).toBe('否')
    expect(session.pageErrors).toEqual([])
  }, 120_000)
})

describe.skipIf(skip !== null)(`Hosts page after an unreadable hosts file${skip ? ` (skipped: ${skip})` : ''}`, () => {
  // a VM defined on lab-z, and a hosts.json torn mid-write by something other than the workbench
  const session = labPage(800, {
    prepare: (dataDir) => {
      const vm = { id: 'web-9', name: 'web-9', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'lab-z', seq: 9 }
      writeFileSync(join(dataDir, 'vms.json'), JSON.stringify({ version: 1, nextSeq: 10, vms: [vm] }))
      writeFileSync(join(dataDir, 'hosts.json'), '[{"id": "lab-z", "name": "lab-z", "cores"')
    }
  })

  it('lists the VMs whose host is gone, and a host with that name brings them back', async () => {
    const { page, lab } = session
    await page.goto(`${lab.url}#/hosts`)
    const orphans = page.locator('[data-testid=orphan-vms]')
    await orphans.waitFor()
    expect(await page.locator('[data-host]').evaluateAll((els) => els.map((e) => e.getAttribute('data-host')))).toEqual(['host-a', 'host-b'])
    expect(await orphans.locator('li').innerText()).toMatch(/^web-9\s+on lab-z$/)
    // the torn file was kept aside, not overwritten
    expect(readdirSync(lab.dataDir)).toContain('hosts.json.corrupt-1')

    await page.click('[data-testid=add-host]')
    await page.fill('#host-name', 'lab-z')
    await page.keyboard.press('Enter')
    const card = page.locator('[data-host=lab-z]')
    await card.waitFor()
    await orphans.waitFor({ state: 'detached' })
    expect(await card.locator('[data-vm] a').innerText()).toBe('web-9')
    expect(session.pageErrors).toEqual([])
  }, 120_000)
})
