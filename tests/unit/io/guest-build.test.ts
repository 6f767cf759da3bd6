// The committed iolab guest ELFs are what guest/iolab builds: rebuild into a temporary folder and compare bytes.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkTool, toolAvailable } from './tools'

const gcc = checkTool('riscv64-unknown-elf-gcc', 'gcc-riscv64-unknown-elf')
const root = join(__dirname, '../../..')

describe('iolab guest images', () => {
  it.runIf(toolAvailable(gcc))('rebuild byte for byte from guest/iolab', () => {
    const out = mkdtempSync(join(tmpdir(), 'iolab-'))
    try {
      execFileSync('make', ['-s', '-j4', '-C', join(root, 'guest/iolab'), `OUT=${out}`], { stdio: 'pipe' })
      const built = readdirSync(out).filter((f) => f.endsWith('.elf')).sort()
      expect(built).toEqual(['exit-poll.elf', 'exit-trap.elf', 'net-emu.elf', 'net-vf.elf', 'net-virtio.elf', 'virtio-arp.elf'])
      for (const f of built) {
        expect(Buffer.compare(readFileSync(join(out, f)), readFileSync(join(root, 'resources/guest/iolab', f))), f).toBe(0)
      }
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 60_000)
})
