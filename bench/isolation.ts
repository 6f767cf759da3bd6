// Isolation lab speed: wall-clock time per container trial on the workbench engine vs the same kernel and command
// line on QEMU (qemu-system-riscv32, killed as soon as the attacker's line appears), and the attacker lines of
// both (they must agree). Also the wall time of a two-VM trial (no QEMU peer: the flawed transport is ours).
//   npx tsx bench/isolation.ts [trials]
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { drawTrial, DEFAULT_ISOLATION_PARAMS } from '../src/main/engine/labs/isolation/experiment'
import { containerCmdline, runTrial } from '../src/main/engine/labs/isolation/trial'

const KERNEL = join(__dirname, '../resources/guest/kernel.elf')
const elf = new Uint8Array(readFileSync(KERNEL))
const trials = Number(process.argv[2] ?? 8)
const p = { ...DEFAULT_ISOLATION_PARAMS, pKernelFlaw: 0.5, pVmmFlaw: 1 }
const opts = { tries: p.tries, vmTries: p.vmTries, memoryMiB: 1 }

function qemuLine(cmdline: string): Promise<{ line: string; ms: number }> {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const q = spawn('qemu-system-riscv32', ['-machine', 'virt', '-bios', 'none', '-m', '16', '-nographic', '-kernel', KERNEL, '-append', cmdline])
    let out = ''
    q.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /attacker: [^\r\n]*(?=\r?\n)/.exec(out)
      if (m) {
        const ms = performance.now() - t0
        q.kill('SIGKILL')
        resolve({ line: m[0], ms })
      }
    })
    q.on('error', reject)
  })
}

async function main(): Promise<void> {
  const haveQemu = spawnSync('qemu-system-riscv32', ['--version']).status === 0
  let ours = 0
  let theirs = 0
  let agree = 0
  for (let i = 0; i < trials; i++) {
    const d = drawTrial(p, i)
    const t0 = performance.now()
    const r = runTrial('containers', d, elf, opts)
    ours += performance.now() - t0
    if (haveQemu) {
      const q = await qemuLine(containerCmdline('containers', d, opts.tries))
      theirs += q.ms
      if (q.line === r.line) agree++
      else if (process.env.SHOW) console.log(`differ:\n  ours ${r.line}\n  qemu ${q.line}`)
    }
  }
  console.log(`container trial, workbench: ${(ours / trials).toFixed(1)} ms`)
  if (haveQemu) {
    console.log(`container trial, qemu-system-riscv32 (incl. process start): ${(theirs / trials).toFixed(1)} ms`)
    console.log(`ratio workbench/qemu: ${(ours / theirs).toFixed(2)} x`)
    console.log(`attacker lines identical: ${agree} of ${trials} trials`)
  } else {
    console.log('qemu peer: skipped (apt-get install qemu-system-misc)')
  }
  let vm = 0
  for (let i = 0; i < Math.min(trials, 4); i++) {
    const t0 = performance.now()
    runTrial('vms', drawTrial(p, i), elf, opts)
    vm += performance.now() - t0
  }
  console.log(`two-VM trial with the VMM flaw, workbench: ${(vm / Math.min(trials, 4)).toFixed(1)} ms`)
}

void main()
