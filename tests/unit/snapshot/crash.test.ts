// Fault injection: a child process doing snapshot work is killed at a seeded point (any disk-changing call,
// torn writes included), over and over on the same store. After every kill, fsck must pass and every visible
// snapshot must revert to exactly the state it was taken of.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { execFile } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fsckStore } from '../../../src/main/engine/snapshot/fsck'
import { machineState } from '../../../src/main/engine/snapshot/manifest'
import { openSnapshotStore } from '../../../src/main/engine/snapshot/store'
import { decodeMachineState } from '../../../src/main/engine/snapshot/state-codec'
import { CRASH_VM, makeCrashVm } from './crash-vm'
import { fingerprint, testClock } from './synthetic-vm'
import { bundleScript, removeDir, tempDir } from './helpers'

const KILLS = 52
const PARALLEL = 6

describe('crash safety (fault injection)', () => {
  let work: string
  let child: string
  const expected = new Map<number, string>()

  /** Fingerprint of the crash VM after `writes` writes of its stream. */
  function expectedFingerprint(writes: number): string {
    let fp = expected.get(writes)
    if (fp === undefined) {
      const vm = makeCrashVm()
      vm.runFor(writes * CRASH_VM.cyclesPerWrite)
      fp = fingerprint(vm)
      expected.set(writes, fp)
    }
    return fp
  }

  beforeAll(() => {
    work = tempDir('vmmwb-crash-')
    child = bundleScript(path.join(__dirname, 'crash-child.ts'), work)
  })
  afterAll(() => removeDir(work))

  /** Check a store after a kill: fsck clean, every snapshot of every VM reverts to its expected state. */
  function verify(dir: string, label: string): number {
    const report = fsckStore(dir)
    expect(report.problems, label).toEqual([])
    const store = openSnapshotStore(dir, { clock: testClock() })
    expect(store.damaged).toEqual([])
    let verified = 0
    for (const v of store.listVms()) {
      const snaps = store.listSnapshots(v.vmId)
      if (v.current !== null) expect(snaps.map((s) => s.id), label).toContain(v.current)
      for (const s of snaps) {
        const writes = (decodeMachineState(machineState(store.manifest(v.vmId, s.id))).vmm as { writes: number }).writes
        const vm = makeCrashVm()
        vm.runFor(7 * CRASH_VM.cyclesPerWrite) // something to overwrite
        store.revert(v.vmId, s.id, vm)
        expect(fingerprint(vm), `${label}: ${v.vmId}/${s.id}`).toBe(expectedFingerprint(writes))
        verified++
      }
    }
    expect(fsckStore(dir).leftovers, label).toEqual([]) // the open above cleaned up after the crash
    return verified
  }

  function runChild(dir: string, seed: number, killAt: number): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [child, dir, String(seed), String(killAt)], { encoding: 'utf8' }, (err, stdout, stderr) => {
        const e = err as (Error & { code?: number; signal?: string }) | null
        resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr })
      })
    })
  }

  it(`${KILLS} seeded kills: fsck passes and every visible snapshot reverts correctly`, async () => {
    // a full workload on an empty store gives the base store every run starts from, and how many
    // disk-changing calls a workload makes: kill points are spread over that range
    const base = path.join(work, 'base')
    const full = await runChild(base, 1, 0)
    expect(full.status, full.stderr).toBe(0)
    const totalOps = Number(/ops (\d+)/.exec(full.stdout)?.[1])
    expect(totalOps).toBeGreaterThan(100)
    verify(base, 'base')

    // each seed: a copy of the base store, a workload of its own, killed at its own point; several at a time
    let kills = 0
    let verified = 0
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < KILLS + 6 && kills < KILLS) {
        const seed = ++next
        const dir = path.join(work, `store-${seed}`)
        fs.cpSync(base, dir, { recursive: true })
        const killAt = 1 + ((seed * 7919) % Math.floor(totalOps * 0.9))
        const r = await runChild(dir, seed, killAt)
        if (r.signal === 'SIGKILL') kills++
        else expect(r.status, `seed ${seed}: ${r.stderr}`).toBe(0)
        verified += verify(dir, `seed ${seed} kill at ${killAt}`)
        removeDir(dir)
      }
    }
    await Promise.all(Array.from({ length: PARALLEL }, worker))
    expect(kills).toBeGreaterThanOrEqual(KILLS)
    expect(verified).toBeGreaterThan(KILLS * 4)
  }, 240_000) // ~60 process starts: about 10 s on an idle machine, far more when the 2 cores are shared
})
