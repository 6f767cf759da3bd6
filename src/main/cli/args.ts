// Command-line parsing for `vmm-workbench run`. Pure: returns options or a usage error message.
export type RunMode = 'bare' | 'trap-and-emulate' | 'hardware-assisted'

export interface RunOptions {
  elf: string
  mode: RunMode
  memoryMiB: number
  stats: string | null
  maxInsns: number
  maxTimeMs: number
  /** Kernel command line written into the guest's `boot_cmdline` symbol (null: the image's own). */
  cmdline: string | null
}

export const USAGE = `usage: vmm-workbench run GUEST.elf [options]
  --mode bare|trap-and-emulate|hardware-assisted   how to run the guest (default bare: like qemu -bios none)
  --memory MiB          guest RAM (default 64)
  --stats FILE          write run statistics as JSON
  --max-insns N         stop after N guest instructions (exit status 124)
  --max-time-ms MS      stop after MS milliseconds of virtual time (exit status 124)
  --cmdline TEXT        kernel command line, written into the guest's boot_cmdline symbol`

const MODES: RunMode[] = ['bare', 'trap-and-emulate', 'hardware-assisted']

export function parseRunArgs(argv: string[]): RunOptions | { error: string } {
  if (argv[0] !== 'run') return { error: argv.length === 0 ? 'missing command' : `unknown command "${argv[0]}"` }
  const o: RunOptions = { elf: '', mode: 'bare', memoryMiB: 64, stats: null, maxInsns: Infinity, maxTimeMs: Infinity, cmdline: null }
  const num = (name: string, v: string | undefined): number | { error: string } => {
    const n = Number(v)
    if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n <= 0) return { error: `${name} needs a positive number, got "${v ?? ''}"` }
    return n
  }
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i])
    switch (flag) {
      case '--mode': {
        const m = value()
        if (!MODES.includes(m as RunMode)) return { error: `--mode must be one of ${MODES.join(', ')}, got "${m ?? ''}"` }
        o.mode = m as RunMode
        break
      }
      case '--memory': {
        const n = num('--memory', value())
        if (typeof n !== 'number') return n
        if (!Number.isInteger(n)) return { error: `--memory needs a whole number of MiB, got ${n}` }
        o.memoryMiB = n
        break
      }
      case '--stats': {
        const f = value()
        if (!f) return { error: '--stats needs a file name' }
        o.stats = f
        break
      }
      case '--max-insns': {
        const n = num('--max-insns', value())
        if (typeof n !== 'number') return n
        o.maxInsns = Math.floor(n)
        break
      }
      case '--max-time-ms': {
        const n = num('--max-time-ms', value())
        if (typeof n !== 'number') return n
        o.maxTimeMs = n
        break
      }
      case '--cmdline': {
        const c = value()
        if (c === undefined) return { error: '--cmdline needs the command line text' }
        o.cmdline = c
        break
      }
      default:
        if (a.startsWith('-')) return { error: `unknown option "${a}"` }
        if (o.elf) return { error: `more than one guest file: "${o.elf}" and "${a}"` }
        o.elf = a
    }
  }
  if (!o.elf) return { error: 'missing the guest ELF file' }
  return o
}
