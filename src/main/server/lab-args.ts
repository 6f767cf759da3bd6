// Command-line options of the lab server.
export interface LabArgs {
  host?: string
  port?: number
  dataDir?: string
  help: boolean
}

export function parseLabArgs(argv: string[]): LabArgs {
  const out: LabArgs = { help: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value`)
      return v
    }
    if (flag === '--host') out.host = value()
    else if (flag === '--port') {
      const p = Number(value())
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error('--port must be 0..65535')
      out.port = p
    } else if (flag === '--data-dir') out.dataDir = value()
    else if (flag === '--help' || flag === '-h') out.help = true
    else throw new Error(`unknown option ${a}`)
  }
  return out
}
