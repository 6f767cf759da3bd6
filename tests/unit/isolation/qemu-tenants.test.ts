// The container trials' attacker line on QEMU (the reference machine) and on the engine: same kernel, same command
// line, so the same line (found after the same tries, or the same 'no secret' counts).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { QEMU, skipWithout, assertTool } from '../machine/tools'
import { drawTrial } from '../../../src/main/engine/labs/isolation/experiment'
import { containerCmdline, runTrial } from '../../../src/main/engine/labs/isolation/trial'

const KERNEL = join(__dirname, '../../../resources/guest/kernel.elf')

function qemuAttackerLine(cmdline: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const q = spawn('qemu-system-riscv32', ['-machine', 'virt', '-bios', 'none', '-m', '16', '-nographic', '-kernel', KERNEL, '-append', cmdline])
    let out = ''
    const timer = setTimeout(() => {
      q.kill('SIGKILL')
      reject(new Error(`no attacker line from QEMU:\n${out}`))
    }, 20_000)
    q.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /attacker: [^\r\n]*(?=\r?\n)/.exec(out)
      if (m) {
        clearTimeout(timer)
        q.kill('SIGKILL')
        resolve(m[0])
      }
    })
    q.on('error', reject)
  })
}

describe.skipIf(skipWithout(QEMU))('isolation tenants on QEMU', () => {
  it('the attacker prints the same line on QEMU and on the engine', async () => {
    assertTool(QEMU)
    const elf = new Uint8Array(readFileSync(KERNEL))
    const p = { seed: 4, pKernelFlaw: 0.5, pVmmFlaw: 0 }
    for (const [i, filter] of [[0, 0], [1, 0], [2, 1]] as const) {
      const d = drawTrial(p, i)
      const config = filter ? 'containers-filtered' : 'containers'
      const ours = runTrial(config, d, elf, { tries: 200, vmTries: 200, memoryMiB: 1 })
      const theirs = await qemuAttackerLine(containerCmdline(config, d, 200))
      expect(ours.line).toBe(theirs)
    }
  }, 60_000)
})
