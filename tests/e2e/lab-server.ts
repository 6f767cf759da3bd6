// Helpers for the end-to-end tests: start the built lab server on a temporary data directory, and find the
// Debian tools the tests need (failing in CI, skipping elsewhere, with the install command either way).
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(__dirname, '../..')
export const CHROMIUM = '/usr/bin/chromium'
/** Where the built app is: this tree, or WB_LAB_ROOT (a private build, `electron-vite build --outDir DIR/out` with
 * DIR/resources linked to the tree's, so one engineer's tests do not race another's `npm run build` in out/). */
const LAB_ROOT = process.env.WB_LAB_ROOT ?? ROOT

/** Why these tests cannot run here, or null. Throws in CI (CI=true) instead of returning a reason. */
export function missingPrerequisite(): string | null {
  let reason: string | null = null
  if (!existsSync(CHROMIUM)) reason = `Debian's chromium is missing (${CHROMIUM}): install it with \`sudo apt-get install -y chromium\``
  else if (!existsSync(join(LAB_ROOT, 'out/main/lab.js'))) reason = 'the app is not built: run `npm run build` first (npm test does)'
  if (reason && process.env.CI === 'true') throw new Error(reason)
  return reason
}

export interface RunningLab {
  url: string
  origin: string
  token: string
  dataDir: string
  proc: ChildProcess
  output: () => string
  stop(): Promise<void>
}

/** Starts the built lab server on a new data directory; `prepare` may put files there first (state to load). */
export async function startLab(prepare?: (dataDir: string) => void): Promise<RunningLab> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wb-e2e-'))
  prepare?.(dataDir)
  const proc = spawn(process.execPath, [join(LAB_ROOT, 'out/main/lab.js'), '--data-dir', dataDir, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab server did not start:\n${out}`)), 60_000)
    const check = (): void => {
      const m = /Open: (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolveUrl(m[1])
      }
    }
    proc.stdout?.on('data', check)
    proc.once('exit', (code) => reject(new Error(`lab server exited with ${code}:\n${out}`)))
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    dataDir,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGTERM')
        const force = setTimeout(() => proc.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(force)
      }
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
