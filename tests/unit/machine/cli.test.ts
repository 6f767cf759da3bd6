// The headless command, in-process (main) and once through bin/vmm-workbench.cjs as users run it.
import { describe, it, expect } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main, EXIT_LIMIT, EXIT_BAD_IMAGE, EXIT_USAGE } from '../../../src/main/cli/main'
import { parseRunArgs } from '../../../src/main/cli/args'
import { BAREMETAL_ELFS, REPO } from './tools'

async function run(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const status = await main(args, { stdout: (b) => (out += Buffer.from(b).toString()), stderr: (t) => (err += t) })
  return { status, out, err }
}
const elf = (n: string): string => join(BAREMETAL_ELFS, n)

describe('vmm-workbench run', () => {
  it('streams serial output and exits with the finisher code', async () => {
    expect(await run(['run', elf('hello.elf'), '--memory', '8'])).toEqual({ status: 0, out: 'Hello from bare metal!\n', err: '' })
    expect(await run(['run', elf('exit7.elf')])).toMatchObject({ status: 7, out: 'bye\n' })
  })

  it('maps tohost: pass → 0, failing test n → n', async () => {
    expect((await run(['run', elf('rv32ui-v.elf')])).status).toBe(0)
    const r = await run(['run', elf('failing-p.elf')])
    expect(r.status).toBe(5)
    expect(r.err).toContain('test 5')
  })

  it('stops runaway guests with status 124 and writes stats', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'))
    const r = await run(['run', elf('spin.elf'), '--max-insns', '250000', '--stats', join(dir, 's.json')])
    expect(r.status).toBe(EXIT_LIMIT)
    expect(r.err).toContain('instruction limit')
    const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))
    expect(s.instructions).toBe(250000)
    expect(s.exit).toEqual({ kind: 'limit', limit: 'instructions' })
    const t = await run(['run', elf('spin.elf'), '--max-time-ms', '0.5'])
    expect(t.status).toBe(EXIT_LIMIT)
    expect(t.err).toContain('virtual time')
  })

  it('rejects bad images with status 2 and the error code, bad arguments with 64', async () => {
    const r = await run(['run', join(REPO, 'package.json')])
    expect(r.status).toBe(EXIT_BAD_IMAGE)
    expect(r.err).toContain('ELF_BAD_MAGIC')
    expect((await run(['run', elf('nope.elf')])).status).toBe(EXIT_BAD_IMAGE)
    expect((await run(['run'])).status).toBe(EXIT_USAGE)
    expect(parseRunArgs(['run', 'x.elf', '--mode', 'fast'])).toHaveProperty('error')
    expect(parseRunArgs(['run', 'x.elf', '--memory=32', '--max-insns', '5'])).toMatchObject({ memoryMiB: 32, maxInsns: 5, mode: 'bare' })
  })

  it('runs the same guest under the VMM (hardware-assisted) with the same output', async () => {
    expect(await run(['run', elf('hello.elf'), '--mode', 'hardware-assisted', '--memory', '8'])).toEqual({ status: 0, out: 'Hello from bare metal!\n', err: '' })
  })

  it('passes --cmdline to the guest kernel: same output bare and under the VMM', async () => {
    const kernel = join(REPO, 'resources/guest/kernel.elf')
    const vm = await run(['run', kernel, '--mode', 'hardware-assisted', '--memory', '16', '--cmdline', 'halt=1'])
    expect(vm.status).toBe(0)
    expect(vm.out).toContain('cmdline: halt=1 mem=16M') // both tell the kernel its RAM size
    expect(vm.out).toContain('halt: 0 workload(s) failed, power off')
    expect(await run(['run', kernel, '--memory', '16', '--cmdline=halt=1'])).toEqual(vm)
    expect(parseRunArgs(['run', 'x.elf', '--cmdline'])).toHaveProperty('error')
  })

  it('works as the installed bin script', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'bin/vmm-workbench.cjs'), 'run', elf('exit7.elf')], { encoding: 'utf8' })
    expect(r.stdout).toBe('bye\n')
    expect(r.status).toBe(7)
  })
})
