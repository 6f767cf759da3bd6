// The RAM size the VMM tells the kernel (mem= on the command line it boots, engine/vmm/cmdline.ts) gives the same
// console on QEMU with the same RAM (-m) and the same command line: byte for byte, for a 64 MiB VM whose dirty
// working set (40 MiB) only fits because the kernel knows it has 64 MiB.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bootCmdline, vmmCmdline } from '../../../src/main/engine/vmm/cmdline'
import { createVm } from '../../../src/main/engine/vmm/api'
import type { Vm } from '../../../src/main/engine/vmm/vm'
import { checkTool, toolAvailable } from '../io/tools'
import { runQemu } from '../guest/qemu'
import { dirtyChecksum } from '../guest/reference'
import { runUntil } from '../vmm/helpers'

const kernel = resolve(__dirname, '../../../resources/guest/kernel.elf')
const qemu = checkTool('qemu-system-riscv32', 'qemu-system-misc')

describe('the VMM tells the kernel its RAM size', () => {
  it('adds mem= for the VM size next to net=, keeps an explicit mem=, and the result is what the VM boots', () => {
    expect(vmmCmdline(undefined, { nic: 'none', memoryMiB: 64 })).toBe('console=ttyS0 mem=64M')
    expect(vmmCmdline('console=ttyS0 selftest=0 net=none', { nic: 'virtio', memoryMiB: 256 })).toBe('console=ttyS0 selftest=0 net=virtio mem=256M')
    expect(vmmCmdline('selftest=0 mem=128M', { nic: 'none', memoryMiB: 256 })).toBe('selftest=0 mem=128M')
    // applying it twice (a migration destination gets the source's line) changes nothing
    const once = vmmCmdline(bootCmdline({ kind: 'web' }), { nic: 'emulated', memoryMiB: 48 })
    expect(vmmCmdline(once, { nic: 'emulated', memoryMiB: 48 })).toBe(once)
    const vm = createVm({ name: 'm', memoryMiB: 48, mode: 'hardware-assisted', nic: 'none', vtpm: false, cmdline: bootCmdline({ kind: 'cpu', iters: 5 }) }, new Uint8Array(readFileSync(kernel))) as Vm
    expect(vm.config.cmdline).toBe('console=ttyS0 selftest=0 workload=cpu cpu.iters=5 mem=48M')
  })

  it.skipIf(!toolAvailable(qemu))('a 64 MiB VM prints on the VMM what QEMU -m 64 prints with the same line', async () => {
    const base = 'console=ttyS0 selftest=0 workload=dirty dirty.pages=10240 dirty.rate=0 dirty.passes=2 halt=1'
    const elf = new Uint8Array(readFileSync(kernel))
    const outputs: string[] = []
    for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
      const vm = createVm({ name: 'm64', memoryMiB: 64, mode, nic: 'none', vtpm: false, cmdline: base }, elf) as Vm
      const r = runUntil(vm, () => false, 4000, 1_000_000)
      expect(vm.halt?.kind, mode).toBe('poweroff')
      outputs.push(r.out)
    }
    const cmdline = `${base} mem=64M`
    const q = await runQemu(kernel, { append: cmdline, memoryMiB: 64, timeoutMs: 60_000 })
    expect(q.status).toBe(0)
    expect(outputs[0]).toBe(q.raw)
    expect(outputs[1]).toBe(q.raw)
    expect(q.output).toContain(`cmdline: ${cmdline}\n`)
    expect(q.output).toMatch(/^memory: 65536 KiB at 0x80000000/m)
    expect(q.output).toContain(`dirty: done, checksum ${dirtyChecksum(10240, 2)}`)
  }, 180_000)
})
