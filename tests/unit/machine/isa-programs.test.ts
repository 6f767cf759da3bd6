// The bare-metal ISA test programs (guest/baremetal) on the engine and on QEMU: same pass/fail verdicts.
import { describe, it, expect, beforeAll } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Machine } from '../../../src/main/engine/machine/machine'
import { QEMU, RISCV_GCC, BAREMETAL_ELFS, REPO, skipWithout, assertTool } from './tools'

const TESTS = [
  'rv32ui-p', 'rv32ui-v', 'rv32um-p', 'rv32um-v', 'rv32ua-p', 'rv32ua-v',
  'rv32mi-p', 'rv32si-p', 'vm-p', 'smc-p', 'irq-p'
]

/** Where the ELFs come from: a fresh build when the compiler exists, else the committed ones. */
let elfDir = BAREMETAL_ELFS

beforeAll(() => {
  if (!RISCV_GCC.ok) return
  const out = mkdtempSync(join(tmpdir(), 'baremetal-'))
  const r = spawnSync('make', ['-s', '-C', resolve(REPO, 'guest/baremetal'), `OUT=${out}`, `BUILD=${out}`], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`guest/baremetal build failed:\n${r.stderr}`)
  elfDir = out
})

function runOnEngine(name: string) {
  const m = new Machine(readFileSync(join(elfDir, `${name}.elf`)), { memoryMiB: 16 })
  const exit = m.run({ maxInstructions: 5_000_000 })
  return { exit, serial: Buffer.from(m.drainSerial()).toString(), instret: m.hart.instret }
}

function runOnQemu(name: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const p = spawn('qemu-system-riscv32', ['-machine', 'virt', '-bios', 'none', '-nographic', '-m', '16', '-kernel', join(elfDir, `${name}.elf`)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    // generous: under the parallel suite on 2 cores a QEMU process may wait seconds for the CPU
    const timer = setTimeout(() => p.kill('SIGKILL'), 90_000)
    p.on('exit', (code) => {
      clearTimeout(timer)
      done({ code, out })
    })
  })
}

describe('bare-metal ISA tests on the engine', () => {
  for (const name of TESTS) {
    it(`${name} passes (tohost = 1)`, () => {
      const { exit, instret } = runOnEngine(name)
      expect(exit).toEqual({ kind: 'tohost', value: 1, passed: true, failedTest: 0 })
      expect(instret).toBeGreaterThan(30)
    })
  }

  it('a failing test reports its number through tohost', () => {
    expect(runOnEngine('failing-p').exit).toEqual({ kind: 'tohost', value: 11, passed: false, failedTest: 5 })
  })

  it('the committed ELFs match a fresh build', () => {
    if (!RISCV_GCC.ok) return
    for (const f of readdirSync(BAREMETAL_ELFS).filter((n) => n.endsWith('.elf'))) {
      expect(readFileSync(join(elfDir, f)).equals(readFileSync(join(BAREMETAL_ELFS, f))), f).toBe(true)
    }
  })
})

describe.skipIf(skipWithout(QEMU))(`the same programs on qemu-system-riscv32 ${QEMU.message}`, () => {
  it('give the same verdicts (finisher exit status 0, failing test 5) and the same serial output', async () => {
    assertTool(QEMU)
    const names = [...TESTS, 'failing-p', 'hello', 'exit7']
    // two QEMU processes at a time (the machine has 2 cores): fourteen at once starve each other under load
    const results: { code: number | null; out: string }[] = []
    for (let i = 0; i < names.length; i += 2) results.push(...(await Promise.all(names.slice(i, i + 2).map((n) => runOnQemu(n)))))
    const verdicts = Object.fromEntries(names.map((n, i) => [n, results[i].code]))
    const expected = Object.fromEntries(names.map((n) => [n, n === 'failing-p' ? 5 : n === 'exit7' ? 7 : 0]))
    expect(verdicts).toEqual(expected)
    expect(results[names.indexOf('hello')].out).toBe(runOnEngine('hello').serial)
    expect(results[names.indexOf('exit7')].out).toBe(runOnEngine('exit7').serial)
  }, 300_000)
})
