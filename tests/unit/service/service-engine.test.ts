// The service with the real VMM in its host worker: the shipped guest kernel boots, answers a shell command
// typed on the console, reports exits by reason, and powers off on request.
import { describe, expect, it } from 'vitest'
import { realEngineService, until } from './helpers'

const { service } = realEngineService('wb-eng-')

describe('service running the guest kernel', () => {
  it('boots kernel.elf in both modes, takes shell input and powers off', async () => {
    const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())
    const ids: string[] = []
    for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
      const vm = service.create({ name: mode, memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode, nic: 'none', vtpm: false, hostId: 'host-a', boot: { kind: 'selftest' } })
      await service.start(vm.id)
      ids.push(vm.id)
    }
    for (const id of ids) await until(() => text(id).includes('wb$ '), 90_000)
    expect(text(ids[0])).toContain('VMM Workbench teaching kernel')
    await service.sendSerial(ids[0], 'echo hello-from-test\r')
    // the shell echoes the typed line, then prints its output: the text appears twice
    await until(() => text(ids[0]).split('hello-from-test').length >= 3, 15_000)

    const hw = await until(() => service.vms.rt(ids[0]).stats, 5000)
    const te = await until(() => service.vms.rt(ids[1]).stats, 5000)
    expect(hw.instructions).toBeGreaterThan(1_000_000)
    expect(hw.exits['sbi']).toBeGreaterThan(0)
    // trap-and-emulate traps every privileged instruction; hardware-assisted does not
    expect(te.exits['privileged-insn']).toBeGreaterThan(0)
    expect(hw.exits['privileged-insn']).toBe(0)

    await service.sendSerial(ids[0], 'poweroff\r')
    await until(() => service.vms.rt(ids[0]).state === 'halted', 15_000)
    expect(service.vms.summary(ids[0]).halt).toMatchObject({ kind: 'poweroff' })
    await service.stop(ids[1])
  }, 150_000) // ~10 s on an idle machine; slower while other suites share the cores
})
