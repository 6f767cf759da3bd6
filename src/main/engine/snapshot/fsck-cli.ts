// Command line: `npx tsx src/main/engine/snapshot/fsck-cli.ts DIR [--json]`. Exit status 0 = clean, 1 = problems
// found, 2 = usage. Reads only; changes nothing. `fsckCommand` is what a `vmm-workbench snapshot fsck DIR`
// subcommand would call.
import { fsckStore, formatFsckReport } from './fsck'

export interface FsckIo {
  stdout(text: string): void
  stderr(text: string): void
}

export function fsckCommand(argv: string[], io: FsckIo): number {
  const args = argv.filter((a) => !a.startsWith('--'))
  if (args.length !== 1) {
    io.stderr('usage: fsck-cli DIR [--json]   (verify a snapshot store)\n')
    return 2
  }
  const report = fsckStore(args[0])
  if (argv.includes('--json')) io.stdout(JSON.stringify(report, null, 2) + '\n')
  else io.stdout(formatFsckReport(args[0], report).join('\n') + '\n')
  return report.ok ? 0 : 1
}

if (require.main === module) {
  process.exitCode = fsckCommand(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) })
}
