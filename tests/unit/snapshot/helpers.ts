// Shared helpers for the snapshot tests: temporary store directories and error capture.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { buildSync } from 'esbuild'
import { EngineError } from '../../../src/main/engine/errors'

export function tempDir(prefix = 'vmmwb-snap-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true })
}

/** Run fn, expect an EngineError, return it. */
export function engineErrorOf(fn: () => unknown): EngineError {
  try {
    fn()
  } catch (err) {
    if (err instanceof EngineError) return err
    throw err
  }
  throw new Error('expected an EngineError, none was thrown')
}

export async function engineErrorOfAsync(fn: () => Promise<unknown>): Promise<EngineError> {
  try {
    await fn()
  } catch (err) {
    if (err instanceof EngineError) return err
    throw err
  }
  throw new Error('expected an EngineError, none was thrown')
}

/** Pack files of a store, oldest first. */
export function packFiles(storeDir: string): string[] {
  const dir = path.join(storeDir, 'packs')
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.pck'))
    .sort()
    .map((n) => path.join(dir, n))
}

/** Bundle a TypeScript entry into one CommonJS file plain `node` runs (child processes start much faster than
 * through tsx). Returns the output path. */
export function bundleScript(entry: string, outDir: string): string {
  const out = path.join(outDir, path.basename(entry).replace(/\.ts$/, '.cjs'))
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'error' })
  return out
}
