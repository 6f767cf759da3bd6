// The serial shell on QEMU: typed commands are echoed and answered; ^C stops a running workload.
import { describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { checkTool, toolAvailable } from '../io/tools'
import { runQemu } from './qemu'
import * as ref from './reference'

const kernel = resolve(__dirname, '../../../resources/guest/kernel.elf')
const qemu = checkTool('qemu-system-riscv32', 'qemu-system-misc')
const PROMPT = 'wb$ '

describe.skipIf(!toolAvailable(qemu))('guest shell on QEMU', () => {
  it('echoes input and answers help, echo, run, ps, mem, unknown commands and poweroff', async () => {
    const typed = ['help', 'echo hello  world', 'echo abx\x7fc', 'echo \x1b[Aup\x1b[1;5Cx', 'run cpu cpu.iters=5000', 'ps', 'dmesg', 'mem', 'frobnicate', 'poweroff']
    const r = await runQemu(kernel, {
      append: 'selftest=0',
      steps: typed.map((t) => ({ after: PROMPT, send: t + '\r' }))
    })
    expect(r.timedOut).toBe(false)
    expect(r.status).toBe(0)
    const out = r.output
    expect(out).toContain("shell: type 'help' for commands\nwb$ help\ncommands:\n")
    expect(out).toContain('  run NAME [k=v]   run a workload in the foreground (^C stops it)\n')
    expect(out).toMatch(/^ {2}dirty {5}writes W pages at R pages\/s/m)
    expect(out).toContain('wb$ echo hello  world\nhello  world\n')
    expect(out).toContain('wb$ echo abx\b \bc\nabc\n') // backspace erases on screen and in the line
    expect(out).toContain('wb$ echo upx\nupx\n') // escape sequences (arrow keys) are swallowed
    expect(out).toContain(`wb$ run cpu cpu.iters=5000\ncpu: 5000 iterations, checksum ${ref.cpuChecksum(5000)}\n`)
    expect(out).toMatch(/wb\$ ps\n +PID +STATE +NAME +PAGES +CTR +EXIT\n +0 +running +kernel +- +- +-\n +1 +zombie +cpu +\d+ +0 +0\n/)
    expect(out).toContain('wb$ dmesg\nspawn pid 1 (cpu) ctr 0 vpid 1\nexit pid 1 status 0\nwb$ ')
    expect(out).toMatch(/wb\$ mem\nmemory: \d+ KiB managed, \d+ KiB free \((\d+) of (\d+) pages\), kernel image \d+ KiB\n/)
    expect(out).toContain("wb$ frobnicate\nfrobnicate: unknown command (try 'help')\n")
    expect(out.endsWith('wb$ poweroff\npower off\n')).toBe(true)
  })

  it('stops an endless dirtier on ^C and returns to the prompt', async () => {
    const r = await runQemu(kernel, {
      append: 'selftest=0',
      steps: [
        { after: PROMPT, send: 'run dirty dirty.pages=16 dirty.rate=3200\r' },
        { after: 'dirty: pass 3 done', send: '\x03' },
        { after: PROMPT, send: 'ps\r' },
        { after: PROMPT, send: 'poweroff\r' }
      ]
    })
    expect(r.timedOut).toBe(false)
    expect(r.output).toContain('dirty: working set 16 pages (64 KiB), rate 3200 pages/s, passes 0\n')
    expect(r.output).toMatch(/dirty: pass \d+ done\n\^C\nwb\$ ps\n/)
    expect(r.output).toMatch(/^ +1 +zombie +dirty +\d+ +0 +-2$/m)
    expect(r.output).not.toContain('dirty: done')
    expect(r.status).toBe(0)
  })
})
