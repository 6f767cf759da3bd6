// Runs a kernel image on qemu-system-riscv32 (virt, -bios none, serial on stdio) and collects its serial output.
// Interactive steps wait for a marker in the output, then type their text.
import { spawn } from 'node:child_process'

export interface QemuStep {
  /** wait until the output (after the previous step's marker) contains this */
  after: string
  send: string
}

export interface QemuOptions {
  append?: string
  /** RAM size (-m, MiB); QEMU's default otherwise (128 MiB) */
  memoryMiB?: number
  /** e.g. 'shift=10,sleep=off': instruction-counted virtual time instead of the host clock */
  icount?: string
  steps?: QemuStep[]
  timeoutMs?: number
}

export interface QemuResult {
  /** serial output with "\r\n" turned into "\n" */
  output: string
  raw: string
  status: number | null
  timedOut: boolean
}

export function runQemu(kernelPath: string, opts: QemuOptions = {}): Promise<QemuResult> {
  const args = ['-machine', 'virt', '-bios', 'none', '-nographic', '-kernel', kernelPath]
  if (opts.append !== undefined) args.push('-append', opts.append)
  if (opts.memoryMiB !== undefined) args.push('-m', String(opts.memoryMiB))
  if (opts.icount) args.push('-icount', opts.icount)
  const child = spawn('qemu-system-riscv32', args, { stdio: ['pipe', 'pipe', 'pipe'] })
  const steps = [...(opts.steps ?? [])]
  let raw = ''
  let searchFrom = 0
  let timedOut = false
  const pump = (): void => {
    while (steps.length) {
      const at = raw.indexOf(steps[0].after, searchFrom)
      if (at < 0) return
      searchFrom = at + steps[0].after.length
      child.stdin.write(steps.shift()!.send)
    }
  }
  child.stdout.on('data', (chunk: Buffer) => {
    raw += chunk.toString('latin1')
    pump()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    raw += chunk.toString('latin1')
  })
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, opts.timeoutMs ?? 20_000)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ output: raw.replace(/\r\n/g, '\n'), raw, status, timedOut })
    })
  })
}
