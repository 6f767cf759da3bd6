// Command line: `npx tsx src/main/engine/snapshot/fsck-cli.ts DIR [--json]`. Exit status 0 = clean, 1 = problems
// found, 2 = usage. Reads only; changes nothing.
import { fsckStore, formatFsckReport } from './fsck'

function main(argv: string[]): number {
  const args = argv.filter((a) => !a.startsWith('--'))
  if (args.length !== 1) {
    process.stderr.write('usage: fsck-cli DIR [--json]   (verify a snapshot store)\n')
    return 2
  }
  const report = fsckStore(args[0])
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  else process.stdout.write(formatFsckReport(args[0], report).join('\n') + '\n')
  return report.ok ? 0 : 1
}

process.exitCode = main(process.argv.slice(2))
