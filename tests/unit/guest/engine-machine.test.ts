// The third place the kernel must run identically: the workbench's bare-metal machine (QEMU virt model, M-mode
// stub at the ELF entry). Its serial bytes must equal QEMU's for the same command line.
import { beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Machine } from '../../../src/main/engine/machine/machine'
import { checkTool, toolAvailable } from '../io/tools'
import { ElfImage } from './elf-image'
import { runQemu } from './qemu'

const kernel = resolve(__dirname, '../../../resources/guest/kernel.elf')
const qemu = checkTool('qemu-system-riscv32', 'qemu-system-misc')
const CMDLINE = 'autorun=cpu,io,fault,tenants cpu.iters=20000 io.count=5000 flaw.klog=1 attack.tries=300 halt=1'

function runOnMachine(cmdline: string): { serial: string; exit: ReturnType<Machine['run']> } {
  const image = new ElfImage(new Uint8Array(readFileSync(kernel))).withCmdline(cmdline)
  const m = new Machine(image, { memoryMiB: 32 })
  let serial = ''
  let exit = m.run({ maxInstructions: 5_000_000 })
  for (let i = 0; exit.kind === 'limit' && i < 40; i++) {
    serial += Buffer.from(m.drainSerial()).toString('latin1')
    exit = m.run({ maxInstructions: 5_000_000 * (i + 2) })
  }
  serial += Buffer.from(m.drainSerial()).toString('latin1')
  return { serial, exit }
}

describe('guest kernel on the workbench bare-metal machine', () => {
  let run: ReturnType<typeof runOnMachine>
  beforeAll(() => {
    run = runOnMachine(CMDLINE)
  })

  it('boots, runs the self-test and the workloads, and powers off with the failure count', () => {
    const out = run.serial.replace(/\r\n/g, '\n')
    expect(out).toContain('selftest: 4 processes finished, 0 failed\n')
    expect(out).toMatch(/^\[7\] killed: load page fault at pc 0x000[0-9a-f]{5}, address 0x8[0-9a-f]{7}$/m)
    expect(out).toMatch(/^attacker: found SECRET\{0123456789abcdef\} after \d+ tries \(system call 1012\)$/m)
    expect(out).toContain('halt: 1 workload(s) failed, power off\n') // the fault workload's process was killed
    expect(run.exit).toEqual({ kind: 'poweroff', exitCode: 1 })
  })

  it.skipIf(!toolAvailable(qemu))('prints the same bytes as QEMU', async () => {
    const ref = await runQemu(kernel, { append: CMDLINE })
    expect(ref.status).toBe(1)
    expect(run.serial).toBe(ref.raw)
  })

  it('idles tickless at the shell prompt and wakes on typed input (UART interrupt through the PLIC)', () => {
    const m = new Machine(new ElfImage(new Uint8Array(readFileSync(kernel))).withCmdline('selftest=0'), { memoryMiB: 32 })
    // nothing pending once the prompt is up: the machine reports that no interrupt can ever arrive
    expect(m.run({ maxInstructions: 50_000_000 })).toEqual({ kind: 'idle' })
    expect(Buffer.from(m.drainSerial()).toString('latin1')).toMatch(/wb\$ $/)
    m.sendSerial(new TextEncoder().encode('echo awake\r'))
    expect(m.run({ maxInstructions: 100_000_000 })).toEqual({ kind: 'idle' })
    expect(Buffer.from(m.drainSerial()).toString('latin1')).toBe('echo awake\r\nawake\r\nwb$ ')
    m.sendSerial(new TextEncoder().encode('poweroff\r'))
    expect(m.run({ maxInstructions: 150_000_000 })).toEqual({ kind: 'poweroff', exitCode: 0 })
  })

  it('loses no wakeup when input arrives just before the shell goes to sleep', (ctx) => {
    const elf = new ElfImage(new Uint8Array(readFileSync(kernel)))
    for (const fn of ['timer_stop', 'idle_wait']) {
      const target = elf.symbols().get(fn)!.value
      const m = new Machine(elf.withCmdline('selftest=0'), { memoryMiB: 32 })
      let out = ''
      while (!out.includes('timer: ')) {
        m.run({ maxInstructions: 20_000 })
        out += Buffer.from(m.drainSerial()).toString('latin1')
      }
      // block by block up to the moment the shell, with nothing typed yet, is about to stop the tick and sleep
      let steps = 0
      while (m.hart.pc !== target) {
        m.run({ maxInstructions: 1 })
        if (++steps > 200_000) return ctx.skip(`the engine never stopped at ${fn} (its block boundaries changed)`)
      }
      m.drainSerial()
      m.sendSerial(new TextEncoder().encode('echo x\r')) // the UART interrupt becomes pending right here
      expect(m.run({ maxInstructions: 10_000_000 }), fn).toEqual({ kind: 'idle' })
      expect(Buffer.from(m.drainSerial()).toString('latin1'), fn).toBe('echo x\r\nx\r\nwb$ ')
    }
  })
})
