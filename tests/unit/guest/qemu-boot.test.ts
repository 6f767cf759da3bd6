// The kernel on qemu-system-riscv32 (the reference machine): boot, the four timer-preempted processes, every
// workload, exit status, and output that does not depend on timing (host clock vs instruction-counted time).
import { beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { checkTool, toolAvailable } from '../io/tools'
import { ElfImage } from './elf-image'
import { runQemu, type QemuResult } from './qemu'
import * as ref from './reference'

const kernel = resolve(__dirname, '../../../resources/guest/kernel.elf')
const qemu = checkTool('qemu-system-riscv32', 'qemu-system-misc')
const FULL = 'autorun=cpu,io,web,dirty dirty.pages=64 dirty.rate=6400 dirty.passes=2 halt=1'

function lines(out: string): string[] {
  return out.split('\n')
}

describe.skipIf(!toolAvailable(qemu))('guest kernel on QEMU', () => {
  let full: QemuResult

  beforeAll(async () => {
    full = await runQemu(kernel, { append: FULL })
  })

  it('boots with a banner, the command line, Sv32 paging and the timer', () => {
    expect(full.timedOut).toBe(false)
    const out = lines(full.output)
    expect(out).toContain('VMM Workbench teaching kernel 1.0 (RV32IMA, S-mode, Sv32)')
    expect(out).toContain(`cmdline: ${FULL}`)
    expect(full.output).toMatch(/^paging: Sv32 on, kernel root page table at 0x8[0-9a-f]{7}$/m)
    expect(full.output).toMatch(/^memory: 16384 KiB at 0x80000000, kernel 0x80000000-0x8[0-9a-f]{7}, \d+ pages free$/m)
  })

  it('runs four user processes and prints their results in pid order', () => {
    const out = lines(full.output)
    const start = out.indexOf('selftest: starting 4 processes (round-robin, timer-preempted, one address space each)')
    expect(start).toBeGreaterThan(0)
    expect(out.slice(start + 1, start + 5)).toEqual(ref.selftestLines(1))
    expect(out[start + 5]).toBe('selftest: 4 processes finished, 0 failed')
  })

  it('runs the cpu, io, web and dirty workloads with independently computed results', () => {
    const out = lines(full.output)
    expect(out).toContain(`cpu: 1000000 iterations, checksum ${ref.cpuChecksum(1000000)}`)
    expect(out).toContain(`io: 100000 writes to the uart scratch register, readback ${ref.ioReadback(100000)}`)
    expect(out).toContain('web: network device not present yet, nothing to serve')
    const d = out.indexOf('dirty: working set 64 pages (256 KiB), rate 6400 pages/s, passes 2')
    expect(d).toBeGreaterThan(0)
    expect(out.slice(d + 1, d + 4)).toEqual([
      'dirty: pass 1 done',
      'dirty: pass 2 done',
      `dirty: done, checksum ${ref.dirtyChecksum(64, 2)}`
    ])
    expect(out).toContain('halt: 0 workload(s) failed, power off')
    expect(full.status).toBe(0)
  })

  it('prints exactly the marker block documented in docs/guest.md', () => {
    const doc = readFileSync(resolve(__dirname, '../../../docs/guest.md'), 'utf8')
    const start = doc.indexOf('```\n\nVMM Workbench') + 4
    expect(start).toBeGreaterThan(3)
    expect(full.output).toBe(doc.slice(start, doc.indexOf('```', start)))
  })

  it('prints the same bytes with instruction-counted time (timer ticks land elsewhere)', async () => {
    const counted = await runQemu(kernel, { append: FULL, icount: 'shift=6,sleep=off' })
    expect(counted.timedOut).toBe(false)
    expect(counted.raw).toBe(full.raw)
  })

  it('reads the command line from boot_cmdline when QEMU passes none (the VMM path)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guest-cmdline-'))
    const patched = join(dir, 'kernel.elf')
    writeFileSync(patched, new ElfImage(new Uint8Array(readFileSync(kernel))).withCmdline(FULL))
    const viaSymbol = await runQemu(patched)
    expect(viaSymbol.raw).toBe(full.raw)
  })

  it('rate-limits the dirtier in virtual time and preempts the self-test processes (timing=1)', async () => {
    // 200 pages at 100 pages/s = 2 s of virtual time. With -icount the 10 MHz virtual clock advances only with
    // instructions (shift=6: 64 ns each) and jumps over idle time, so the figures are reproducible.
    const r = await runQemu(kernel, {
      append: 'timing=1 workload=dirty dirty.pages=200 dirty.rate=100 dirty.passes=1 halt=1',
      icount: 'shift=6,sleep=off'
    })
    expect(r.output).toContain(`dirty: done, checksum ${ref.dirtyChecksum(200, 1)}`)
    const timing = (name: string): number[] => {
      const m = new RegExp(`^timing: ${name} took (\\d+) us of virtual time, (\\d+) ticks, (\\d+) context switches, (\\d+) preemptions$`, 'm').exec(r.output)
      expect(m, `timing line for ${name}`).not.toBeNull()
      return m!.slice(1).map(Number)
    }
    const [dirtyUs] = timing('dirty')
    expect(dirtyUs).toBeGreaterThanOrEqual(1_990_000)
    expect(dirtyUs).toBeLessThan(2_100_000)
    const [, ticks, switches, preemptions] = timing('selftest')
    expect(preemptions).toBeGreaterThan(10) // the timer took the CPU away from running processes
    expect(preemptions).toBeLessThanOrEqual(ticks)
    expect(switches).toBeGreaterThan(preemptions)
    expect(r.status).toBe(0)
  })

  it('honours mem= and hz=, and builds the documented kernel page tables', async () => {
    const r = await runQemu(kernel, { append: 'selftest=0 mem=32M hz=1000 halt=1' })
    const kernelEnd = new ElfImage(new Uint8Array(readFileSync(kernel))).symbols().get('__kernel_end')!.value
    const managed = (0x80000000 + 32 * 1024 * 1024 - kernelEnd) / 4096
    // root + one level-0 table per 4 MiB of RAM + one for the UART + one for the PLIC pages
    const tables = 1 + 32 / 4 + 1 + 1
    const end = '0x' + kernelEnd.toString(16)
    expect(r.output).toContain(`memory: 32768 KiB at 0x80000000, kernel 0x80000000-${end}, ${managed - tables} pages free\n`)
    expect(r.output).toContain('timer: 1000 Hz tick, timebase 10000000 Hz;')
    expect(r.status).toBe(0)
  })

  it('rejects bad options and unknown workloads with messages and a failing exit status', async () => {
    const r = await runQemu(kernel, { append: 'selftest=0 mem=abc hz=5 autorun=cpu,nosuch cpu.iters=100 halt=1' })
    const out = lines(r.output)
    expect(out).toContain('cmdline: ignoring mem=abc (not a number)')
    expect(out).toContain('hz: 5 is out of range (10..1000), using 100')
    expect(out).toContain(`cpu: 100 iterations, checksum ${ref.cpuChecksum(100)}`)
    expect(out).toContain("unknown workload 'nosuch' (try: selftest cpu dirty io web fault tenants victim attacker)")
    expect(r.status).toBe(1)
    const big = await runQemu(kernel, { append: 'selftest=0 workload=dirty dirty.pages=5000 halt=1' })
    expect(big.output).toMatch(/^dirty: a working set of 5000 pages does not fit \(1\.\.\d+ pages; raise mem=\)$/m)
    expect(big.status).toBe(1)
  })

  it('rewrites whole pages with dirty.words (the CPU cost that auto-converge throttles)', async () => {
    const r = await runQemu(kernel, {
      append: 'selftest=0 workload=dirty dirty.pages=64 dirty.rate=0 dirty.passes=3 dirty.words=1024 halt=1'
    })
    expect(r.output).toContain(`dirty: done, checksum ${ref.dirtyChecksum(64, 3, 1024)}\n`)
    const odd = await runQemu(kernel, {
      append: 'selftest=0 workload=dirty dirty.pages=10 dirty.rate=0 dirty.passes=2 dirty.words=7 halt=1'
    })
    expect(odd.output).toContain(`dirty: done, checksum ${ref.dirtyChecksum(10, 2, 7)}\n`)
  })

  it('kills a process that touches kernel memory and reports the failure in the exit status', async () => {
    const r = await runQemu(kernel, { append: 'selftest=0 autorun=fault,cpu cpu.iters=1000 halt=1' })
    const out = lines(r.output)
    const cmd = new ElfImage(new Uint8Array(readFileSync(kernel))).symbols().get('boot_cmdline')!.value
    const addr = '0x' + cmd.toString(16).padStart(8, '0')
    expect(out).toContain(`fault: write() from kernel address ${addr} returned -14`)
    expect(r.output).toMatch(new RegExp(`^\\[1\\] killed: load page fault at pc 0x000[0-9a-f]{5}, address ${addr}$`, 'm'))
    expect(r.output).not.toContain('the kernel did not stop me')
    expect(out).toContain(`cpu: 1000 iterations, checksum ${ref.cpuChecksum(1000)}`)
    expect(out).toContain('halt: 1 workload(s) failed, power off')
    expect(r.status).toBe(1) // SRST system failure -> finisher (1 << 16) | 0x3333 -> QEMU exits with 1
  })
})
