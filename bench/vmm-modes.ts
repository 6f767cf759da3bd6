// bench/vmm-modes: the guest kernel's self-test (4 timer-preempted processes) on the bare-metal Machine (the
// peer: no VMM, the kernel's own M-mode SBI stub), then under the VMM in hardware-assisted and in
// trap-and-emulate mode, all in this one command. Prints host speed (guest MIPS), virtual time, exits and their
// modelled cost, and the ratios against the bare-metal peer: the price of each virtualization mode.
//   npx tsx bench/vmm-modes.ts [--memory MiB] [--cmdline "halt=1 ..."]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Machine } from '../src/main/engine/machine/machine'
import { createVm, type VirtMode } from '../src/main/engine/vmm/api'

const args = process.argv.slice(2)
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt
}
const memoryMiB = Number(arg('memory', '16'))
const cmdline = arg('cmdline', 'halt=1')
const elf = new Uint8Array(readFileSync(join(__dirname, '../resources/guest/kernel.elf')))

interface Result {
  name: string
  instructions: number
  cycles: number
  wallMs: number
  /** Host CPU time of this process (user + system): comparable when other processes load the machine. */
  cpuMs: number
  exits: number
  exitCycles: number
}

function cpuSince(c0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(c0)
  return (d.user + d.system) / 1000
}

function bareMetal(): Result {
  const m = new Machine(elf, { memoryMiB })
  const at = m.symbols.get('boot_cmdline')
  if (at !== undefined) {
    const bytes = new TextEncoder().encode(cmdline + '\0')
    bytes.forEach((b, i) => m.bus.write(at + i, 1, b))
  }
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const exit = m.run({ maxInstructions: 2_000_000_000 })
  const wallMs = performance.now() - t0
  const cpuMs = cpuSince(c0)
  if (exit.kind !== 'poweroff') throw new Error(`bare metal ended with ${JSON.stringify(exit)}`)
  return { name: 'bare-metal', instructions: m.hart.instret, cycles: m.hart.now(), wallMs, cpuMs, exits: 0, exitCycles: 0 }
}

function virtualized(mode: VirtMode): Result {
  const vm = createVm({ name: 'bench', memoryMiB, mode, nic: 'none', vtpm: false, cmdline }, elf)
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  while (!vm.halt) vm.step(5_000_000)
  const wallMs = performance.now() - t0
  const cpuMs = cpuSince(c0)
  if (vm.halt.kind !== 'poweroff') throw new Error(`${mode} ended with ${JSON.stringify(vm.halt)}`)
  const s = vm.stats()
  const exits = Object.values(s.exits).reduce((a, b) => a + b, 0)
  return { name: mode, instructions: s.instructions, cycles: s.virtualCycles, wallMs, cpuMs, exits, exitCycles: s.exitCycles }
}

// one warm-up round so the JIT has compiled every path before we time anything
bareMetal()
virtualized('hardware-assisted')
virtualized('trap-and-emulate')
const peer = bareMetal()
const results = [peer, virtualized('hardware-assisted'), virtualized('trap-and-emulate')]
for (const r of results) {
  console.log(`${r.name}.guest_mips: ${(r.instructions / r.wallMs / 1000).toFixed(1)} MIPS`)
  console.log(`${r.name}.guest_mips_cpu_time: ${(r.instructions / r.cpuMs / 1000).toFixed(1)} MIPS`)
  console.log(`${r.name}.virtual_time: ${(r.cycles / 1e6).toFixed(2)} ms`)
  console.log(`${r.name}.exits: ${r.exits} exits`)
  console.log(`${r.name}.exit_cost: ${(r.exitCycles / 1e6).toFixed(2)} ms`)
}
for (const r of results.slice(1)) {
  console.log(`${r.name}.virtual_time_vs_bare_metal: ${(r.cycles / peer.cycles).toFixed(2)} x`)
  console.log(`${r.name}.host_speed_vs_bare_metal: ${(r.instructions / r.wallMs / (peer.instructions / peer.wallMs)).toFixed(2)} x`)
}
