// bench/cpu: a CPU-bound bare-metal guest (guest/baremetal/bench/cpubench.c: integer arithmetic, multiply/divide,
// loads/stores, branches; ~300 M instructions) timed on the engine and on qemu-system-riscv32 (plain TCG) in the
// same command. Prints guest MIPS for both, the ratio, and host memory for a 64 MiB guest.
//   npx tsx bench/cpu.ts [--iterations N]   (N patches the guest's bench_iterations; default: as built, 10000)
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Machine } from '../src/main/engine/machine/machine'
import { parseElf } from '../src/main/engine/machine/elf'

const ELF_DIR = join(__dirname, '..', 'resources', 'guest', 'baremetal')
const MEMORY_MIB = 64
const MiB = 1024 * 1024

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function line(name: string, value: number | string, unit = ''): void {
  console.log(`${name}: ${typeof value === 'number' ? +value.toFixed(2) : value}${unit ? ' ' + unit : ''}`)
}

/** The ELF with `bench_iterations` (a .data word) replaced, so both peers run the same shorter or longer loop. */
function withIterations(elf: Buffer, n: number | undefined): Buffer {
  if (n === undefined) return elf
  const img = parseElf(elf)
  const addr = img.symbols.get('bench_iterations')
  if (addr === undefined) throw new Error('cpubench.elf has no bench_iterations symbol')
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength)
  const phoff = dv.getUint32(28, true)
  for (let i = 0; i < dv.getUint16(44, true); i++) {
    const p = phoff + i * dv.getUint16(42, true)
    const off = dv.getUint32(p + 4, true)
    const paddr = dv.getUint32(p + 12, true)
    const filesz = dv.getUint32(p + 16, true)
    if (dv.getUint32(p, true) === 1 && addr >= paddr && addr + 4 <= paddr + filesz) {
      const out = Buffer.from(elf)
      out.writeUInt32LE(n, off + addr - paddr)
      return out
    }
  }
  throw new Error('bench_iterations is not in a loadable segment')
}

function qemu(elfPath: string): { seconds: number; out: string } | { error: string } {
  const t0 = performance.now()
  const r = spawnSync('qemu-system-riscv32', ['-machine', 'virt', '-bios', 'none', '-nographic', '-m', String(MEMORY_MIB), '-kernel', elfPath], {
    encoding: 'utf8',
    timeout: 600_000
  })
  const seconds = (performance.now() - t0) / 1000
  if (r.error) return { error: `qemu-system-riscv32 not runnable (${r.error.message}): apt-get install qemu-system-misc` }
  if (r.status !== 0) return { error: `qemu exited with status ${r.status}` }
  return { seconds, out: r.stdout }
}

function main(): void {
  const iterations = arg('--iterations') !== undefined ? Number(arg('--iterations')) : undefined
  const elf = withIterations(readFileSync(join(ELF_DIR, 'cpubench.elf')), iterations)
  const elfPath = iterations === undefined ? join(ELF_DIR, 'cpubench.elf') : join(tmpdir(), `cpubench-${iterations}.elf`)
  if (iterations !== undefined) writeFileSync(elfPath, elf)

  // engine
  global.gc?.()
  const rssBefore = process.memoryUsage().rss
  let serial = ''
  const m = new Machine(elf, { memoryMiB: MEMORY_MIB, onSerial: (b) => (serial += String.fromCharCode(b)) })
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const exit = m.run({ maxInstructions: 5e9 })
  const engineSeconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(c0)
  const engineCpuSeconds = (cpu.user + cpu.system) / 1e6
  const rssAfter = process.memoryUsage().rss
  if (exit.kind !== 'poweroff' || exit.exitCode !== 0) throw new Error(`engine run ended with ${JSON.stringify(exit)}`)
  const insns = m.hart.instret
  const engineMips = insns / engineSeconds / 1e6

  line('guest_instructions', insns, 'instructions')
  line('engine_time', engineSeconds, 's')
  line('engine_mips', engineMips, 'MIPS')
  // host CPU time of this process: the fairer figure when other processes share the two cores
  line('engine_mips_cpu_time', insns / engineCpuSeconds / 1e6, 'MIPS')
  line('engine_host_rss_total', rssAfter / MiB, 'MiB')
  line('engine_host_rss_for_64mib_guest', (rssAfter - rssBefore) / MiB, 'MiB')
  // worst case: a guest that has touched every page of its RAM
  m.bus.ram.fill(1)
  line('engine_host_rss_for_64mib_guest_all_pages_touched', (process.memoryUsage().rss - rssBefore) / MiB, 'MiB')
  line('engine_checksum', serial.trim())

  // QEMU: time a trivial image to take its start-up and shut-down out of the figure
  const q = qemu(elfPath)
  const q0 = qemu(join(ELF_DIR, 'hello.elf'))
  if ('error' in q || 'error' in q0) {
    line('qemu_mips', 'unavailable')
    console.error('error' in q ? q.error : 'error' in q0 ? q0.error : '')
    return
  }
  const qemuSeconds = Math.max(1e-3, q.seconds - q0.seconds)
  const qemuMips = insns / qemuSeconds / 1e6
  line('qemu_time', q.seconds, 's')
  line('qemu_startup', q0.seconds, 's')
  line('qemu_mips', qemuMips, 'MIPS')
  line('qemu_checksum', q.out.trim())
  line('checksum_match', q.out.trim() === serial.trim() ? 1 : 0)
  line('ratio_engine_to_qemu', engineMips / qemuMips, 'x')
}

main()
