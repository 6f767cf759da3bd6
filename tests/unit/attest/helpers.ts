// Shared by the vtpm/ and attest/ tests: fixtures, a deterministic random source, and the Debian-tool guard.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'

export const FIXTURES = join(__dirname, '../../fixtures/vtpm')

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)))
}

/** A seeded byte stream (SHA-256 in counter mode) standing in for a verifier's randomness in tests. */
export function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0
  return (n) => {
    const out = new Uint8Array(n)
    for (let o = 0; o < n; o += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest()
      out.set(block.subarray(0, Math.min(32, n - o)), o)
    }
    return out
  }
}

export const SEED_A = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
export const SEED_B = Uint8Array.from({ length: 32 }, (_, i) => 200 - i)
export const INSTALL_SEED = Uint8Array.from({ length: 32 }, (_, i) => (i * 7) & 0xff)

export const TPM2_TOOLS = { package: 'tpm2-tools', install: 'apt-get install -y tpm2-tools' }

/** null if the tool runs; otherwise the message naming the package. In CI a missing tool is an error. */
export function missingTool(bin: string): string | null {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  if (!r.error) return null
  const msg = `${bin} not found: install Debian's ${TPM2_TOOLS.package} (${TPM2_TOOLS.install})`
  if (process.env.CI === 'true') throw new Error(msg)
  return msg
}

export function run(bin: string, args: string[], cwd: string): { status: number; out: string } {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' })
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` }
}

export { execFileSync }
