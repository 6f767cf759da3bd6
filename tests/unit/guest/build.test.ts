// The committed kernel image is exactly what `make -C guest kernel` builds from the sources (reproducible build),
// and it carries the symbols the VMM and introspection rely on.
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { checkTool, toolAvailable } from '../io/tools'
import { ElfImage } from './elf-image'

const root = resolve(__dirname, '../../..')
const committed = join(root, 'resources/guest/kernel.elf')
const gcc = checkTool('riscv64-unknown-elf-gcc', 'gcc-riscv64-unknown-elf')

describe.skipIf(!toolAvailable(gcc))('guest build', () => {
  it('rebuilds resources/guest/kernel.elf byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guest-build-'))
    try {
      execFileSync('make', ['-s', '-j2', '-C', join(root, 'guest'), 'kernel', `BUILD=${dir}/build`, `OUT=${dir}/out`], {
        stdio: 'pipe'
      })
      const fresh = readFileSync(join(dir, 'out/kernel.elf'))
      const old = readFileSync(committed)
      expect(fresh.length).toBe(old.length)
      // compare as buffers (a mismatch names the first differing byte instead of dumping both files)
      const firstDiff = fresh.findIndex((b, i) => b !== old[i])
      expect(firstDiff).toBe(-1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('guest image layout', () => {
  const elf = new ElfImage(new Uint8Array(readFileSync(committed)))
  const syms = elf.symbols()

  it('enters the M-mode stub at 0x80000000 and exposes kernel_entry for the VMM', () => {
    expect(elf.entry).toBe(0x80000000)
    expect(syms.get('_start')?.value).toBe(0x80000000)
    const entry = syms.get('kernel_entry')?.value ?? 0
    expect(entry).toBeGreaterThan(0x80000000)
    expect(entry).toBeLessThan(syms.get('__text_end')?.value ?? 0)
  })

  it('has a 256-byte boot_cmdline in the file with the default command line', () => {
    const cmd = syms.get('boot_cmdline')
    expect(cmd?.size).toBe(256)
    expect(elf.readCString(cmd!.value, 256)).toBe('console=ttyS0')
    const patched = new ElfImage(elf.withCmdline('autorun=cpu halt=1'))
    expect(patched.readCString(cmd!.value, 256)).toBe('autorun=cpu halt=1')
  })

  it('exposes the process table with the documented geometry', () => {
    const len = elf.readU32(syms.get('proc_table_len')!.value)
    const size = elf.readU32(syms.get('proc_struct_size')!.value)
    expect(len).toBeGreaterThanOrEqual(4)
    expect(size).toBe(0xd0)
    expect(syms.get('proc_table')?.size).toBe(len * size)
    for (const name of ['current_proc', 'nr_procs', 'next_pid', 'ticks', 'kernel_root']) {
      expect(syms.get(name)?.size, name).toBe(4)
    }
  })
})
