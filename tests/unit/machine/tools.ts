// Debian tools some tests need: in CI a missing tool fails the test with the install command; elsewhere the
// test is skipped with the same message.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

export interface Tool {
  ok: boolean
  message: string
}

export function findTool(binary: string, debianPackage: string): Tool {
  const r = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' })
  const ok = r.status === 0
  return { ok, message: ok ? '' : `${binary} not found: install the Debian package ${debianPackage} (apt-get install ${debianPackage})` }
}

export const IN_CI = process.env.CI === 'true'

/** Whether a test needing `tool` should be skipped (never in CI: there it runs and fails with the message). */
export function skipWithout(tool: Tool): boolean {
  if (!tool.ok && !IN_CI) console.warn(`skipped: ${tool.message}`)
  return !tool.ok && !IN_CI
}

export function assertTool(tool: Tool): void {
  if (!tool.ok) throw new Error(tool.message)
}

export const REPO = resolve(__dirname, '../../..')
export const BAREMETAL_ELFS = resolve(REPO, 'resources/guest/baremetal')
export const QEMU = findTool('qemu-system-riscv32', 'qemu-system-misc')
export const RISCV_GCC = findTool('riscv64-unknown-elf-gcc', 'gcc-riscv64-unknown-elf')
