// The headless command: boots an RV32 ELF on the engine (bare metal or under the VMM), streams the guest's serial
// output to stdout and exits with the guest's status. See docs/cli.md.
import { readFileSync, writeFileSync } from 'node:fs'
import { EngineError } from '../engine/errors'
import { Machine, type MachineExit } from '../engine/machine/machine'
import { RAM_BASE } from '../engine/machine/board'
import { createVm } from '../engine/vmm/vm'
import { builtInCmdline, vmmCmdline } from '../engine/vmm/cmdline'
import { parseRunArgs, USAGE, type RunOptions } from './args'

/** Exit statuses besides the guest's own. */
export const EXIT_USAGE = 64
export const EXIT_BAD_IMAGE = 2
export const EXIT_LIMIT = 124
export const EXIT_IDLE = 125

const CYCLES_PER_MS = 1_000_000
const VM_STEP = 200_000
const BARE_CHUNK = 20_000_000

export interface CliIo {
  stdout(bytes: Uint8Array): void
  stderr(text: string): void
}

const processIo: CliIo = {
  stdout: (b) => process.stdout.write(b),
  stderr: (t) => process.stderr.write(t)
}

interface Outcome {
  status: number
  exit: Record<string, unknown>
  instructions: number
  virtualCycles: number
  extra?: Record<string, unknown>
}

/** Guest status as a process exit status: tohost 1 → 0, tohost (n<<1)|1 → n, finisher code as is (mod 256, with a
 * nonzero result kept nonzero). */
function toStatus(code: number): number {
  if (code === 0) return 0
  const s = code & 0xff
  return s === 0 ? 1 : s
}

function describeExit(e: MachineExit): { status: number; message: string | null } {
  switch (e.kind) {
    case 'poweroff':
      return { status: toStatus(e.exitCode), message: null }
    case 'tohost':
      return { status: e.passed ? 0 : toStatus(e.failedTest), message: e.passed ? null : `tohost: test ${e.failedTest} failed` }
    case 'limit':
      return { status: EXIT_LIMIT, message: `stopped: ${e.limit === 'time' ? 'virtual time' : 'instruction'} limit reached` }
    case 'idle':
      return { status: EXIT_IDLE, message: 'stopped: the guest waits for an interrupt that can never arrive' }
  }
}

function runBare(o: RunOptions, elf: Uint8Array, io: CliIo): Outcome {
  const serial: number[] = []
  const flush = (): void => {
    if (serial.length) io.stdout(Uint8Array.from(serial.splice(0)))
  }
  const m = new Machine(elf, {
    memoryMiB: o.memoryMiB,
    onSerial: (b) => {
      serial.push(b)
      if (b === 10 || serial.length >= 4096) flush()
    }
  })
  // the bare machine's firmware tells the kernel its RAM size as the VMM does (mem=, vmm/cmdline.ts): same output
  const at = m.symbols.get('boot_cmdline')
  const line = vmmCmdline(o.cmdline ?? builtInCmdline(elf), { nic: 'none', memoryMiB: o.memoryMiB })
  if (at !== undefined) new TextEncoder().encode(line + '\0').forEach((b, i) => m.bus.write(at + i, 1, b))
  // run in chunks so output without a newline (a prompt) still appears while the guest runs
  const maxCycles = o.maxTimeMs * CYCLES_PER_MS
  let e: MachineExit
  for (;;) {
    const left = o.maxInsns - m.hart.instret
    e = left <= 0 ? { kind: 'limit', limit: 'instructions' } : m.run({ maxInstructions: Math.min(BARE_CHUNK, left), maxCycles })
    flush()
    if (e.kind !== 'limit' || e.limit === 'time' || m.hart.instret >= o.maxInsns) break
  }
  const d = describeExit(e)
  if (d.message) io.stderr(d.message + '\n')
  return { status: d.status, exit: { ...e }, instructions: m.hart.instret, virtualCycles: m.hart.cycle }
}

function runVm(o: RunOptions, elf: Uint8Array, io: CliIo): Outcome {
  const mode = o.mode as 'trap-and-emulate' | 'hardware-assisted'
  const vm = createVm({ name: 'cli', memoryMiB: o.memoryMiB, mode, nic: 'none', vtpm: false, cmdline: o.cmdline ?? undefined }, elf)
  const tohost = vm.symbols.get('tohost')
  const readTohost = (): number => {
    if (tohost === undefined) return 0
    const off = tohost - RAM_BASE
    if (off < 0 || off + 4 > vm.ram.length) return 0
    return (vm.ram[off] | (vm.ram[off + 1] << 8) | (vm.ram[off + 2] << 16) | (vm.ram[off + 3] << 24)) >>> 0
  }
  const maxCycles = o.maxTimeMs * CYCLES_PER_MS
  let exit: MachineExit | null = null
  let crash: Record<string, unknown> | null = null
  for (;;) {
    const st = vm.stats()
    if (st.instructions >= o.maxInsns) exit = { kind: 'limit', limit: 'instructions' }
    else if (vm.virtualCycles >= maxCycles) exit = { kind: 'limit', limit: 'time' }
    if (exit) break
    const r = vm.step(Math.min(VM_STEP, o.maxInsns - st.instructions))
    const out = vm.drainSerial()
    if (out.length) io.stdout(out)
    const t = readTohost()
    if (t !== 0) {
      exit = { kind: 'tohost', value: t, passed: t === 1, failedTest: t === 1 ? 0 : t >>> 1 }
      break
    }
    if (r.status === 'halted' || r.status === 'crashed') {
      const h = vm.halt
      if (h?.kind === 'crash') {
        crash = { code: h.code ?? 'GUEST_CRASH', params: h.params ?? {} }
        io.stderr(`guest crashed: ${h.code ?? 'GUEST_CRASH'} ${JSON.stringify(h.params ?? {})}\n`)
        return { status: toStatus(h.exitCode), exit: { kind: 'crash', ...crash }, instructions: vm.stats().instructions, virtualCycles: vm.virtualCycles, extra: { vmStats: vm.stats() } }
      }
      exit = { kind: 'poweroff', exitCode: h?.exitCode ?? 0 }
      break
    }
    if (r.status === 'idle') {
      exit = { kind: 'idle' }
      break
    }
  }
  const d = describeExit(exit)
  if (d.message) io.stderr(d.message + '\n')
  return { status: d.status, exit: { ...exit }, instructions: vm.stats().instructions, virtualCycles: vm.virtualCycles, extra: { vmStats: vm.stats() } }
}

/** Runs the command; returns the process exit status. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const o = parseRunArgs(argv)
  if ('error' in o) {
    io.stderr(`vmm-workbench: ${o.error}\n${USAGE}\n`)
    return EXIT_USAGE
  }
  let elf: Uint8Array
  try {
    elf = readFileSync(o.elf)
  } catch (e) {
    io.stderr(`vmm-workbench: cannot read ${o.elf}: ${(e as Error).message}\n`)
    return EXIT_BAD_IMAGE
  }
  const t0 = performance.now()
  let outcome: Outcome
  try {
    outcome = o.mode === 'bare' ? runBare(o, elf, io) : runVm(o, elf, io)
  } catch (e) {
    if (e instanceof EngineError) {
      io.stderr(`vmm-workbench: ${e.code}: ${e.message}\n`)
      return EXIT_BAD_IMAGE
    }
    throw e
  }
  const wallMs = performance.now() - t0
  if (o.stats) {
    const stats = {
      guest: o.elf,
      mode: o.mode,
      memoryMiB: o.memoryMiB,
      exit: outcome.exit,
      exitStatus: outcome.status,
      instructions: outcome.instructions,
      virtualCycles: outcome.virtualCycles,
      virtualTimeMs: outcome.virtualCycles / CYCLES_PER_MS,
      wallTimeMs: Math.round(wallMs),
      mips: wallMs > 0 ? outcome.instructions / wallMs / 1000 : 0,
      ...outcome.extra
    }
    writeFileSync(o.stats, JSON.stringify(stats, null, 2) + '\n')
  }
  return outcome.status
}
