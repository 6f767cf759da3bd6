// The project's guest kernel (resources/guest/kernel.elf) under both virtualization modes: the same serial output
// as each other and as QEMU booting the same ELF, trap-and-emulate with far more exits.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MODES, makeVm, runUntil, totalExits } from './helpers'
import { QEMU, assertTool, skipWithout } from '../machine/tools'

const KERNEL = join(__dirname, '../../../resources/guest/kernel.elf')
const CMDLINE = 'halt=1'
const MEMORY_MIB = 16

describe.runIf(existsSync(KERNEL))('guest kernel under the VMM', () => {
  const elf = new Uint8Array(readFileSync(KERNEL))
  const runs = MODES.map((mode) => {
    const vm = makeVm(elf, mode, { memoryMiB: MEMORY_MIB, cmdline: CMDLINE })
    return { vm, out: runUntil(vm, () => false, 200, 1_000_000).out }
  })
  const [tne, hw] = runs

  it('boots, runs its self-test and powers off with identical output in both modes', () => {
    expect(tne.out).toContain('cmdline: halt=1 mem=16M') // the VMM tells the kernel its RAM size
    expect(tne.out).toContain('selftest: 4 processes finished, 0 failed')
    expect(tne.out).toBe(hw.out)
    for (const r of runs) expect(r.vm.halt).toEqual({ kind: 'poweroff', exitCode: 0 })
    const t = tne.vm.stats().exits
    const h = hw.vm.stats().exits
    expect(t['privileged-insn']).toBeGreaterThan(100)
    expect(t['shadow-page-fault']).toBeGreaterThan(100)
    expect(h['ept-violation']).toBeGreaterThan(20)
    expect(h['privileged-insn'] + h['shadow-page-fault']).toBe(0)
    expect(totalExits(tne.vm)).toBeGreaterThan(totalExits(hw.vm))
    expect(tne.vm.stats().exitCycles).toBeGreaterThan(2 * hw.vm.stats().exitCycles)
  })

  it.skipIf(skipWithout(QEMU))('prints exactly what QEMU prints for the same ELF and command line', () => {
    assertTool(QEMU)
    const q = spawnSync(
      'qemu-system-riscv32',
      ['-machine', 'virt', '-bios', 'none', '-nographic', '-m', `${MEMORY_MIB}M`, '-kernel', KERNEL, '-append', tne.vm.config.cmdline ?? CMDLINE],
      { encoding: 'latin1', timeout: 60_000 }
    )
    expect(q.status).toBe(0)
    expect(tne.out).toBe(q.stdout)
  })
})
