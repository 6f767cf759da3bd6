// The host runtime's scheduler without a thread: equal slices per round, idle guests skipped until input,
// a VM that throws is contained (only it crashes), rates computed from a controllable clock.
import { describe, expect, it } from 'vitest'
import { HostRuntime } from '../../../src/main/engine/host/runtime'
import type { VmConfig, VmInstance } from '../../../src/main/engine/vmm/api'
import { createVm } from './synthetic-vm'

const ELF = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46])
const config = (name: string): VmConfig => ({ name, memoryMiB: 16, mode: 'hardware-assisted', nic: 'none', vtpm: false })

function runtime(factory = createVm) {
  let now = 0
  const rt = new HostRuntime({ factory, now: () => now, roundTargetMs: 8 })
  return { rt, advance: (ms: number) => (now += ms) }
}

describe('HostRuntime', () => {
  it('gives every running VM the same slice each round and skips paused ones', () => {
    const { rt } = runtime()
    for (const id of ['a', 'b', 'c']) rt.boot(id, config(id), ELF)
    rt.pause('c')
    for (let i = 0; i < 25; i++) rt.runRound()
    const batch = rt.collectBatch()
    const ins = Object.fromEntries(batch?.stats.map((s) => [s.vmId, s.stats.instructions]) ?? [])
    expect(ins.a).toBeGreaterThan(0)
    expect(ins.a).toBe(ins.b)
    expect(ins.c).toBe(0)
    expect(batch?.states.map((s) => `${s.vmId}:${s.state}`)).toEqual(['a:running', 'b:running', 'c:running', 'c:paused'])
    expect(rt.runningCount).toBe(2)
  })

  it('grows the slice while rounds are fast and reports rates over the sample interval', () => {
    const { rt, advance } = runtime()
    rt.boot('a', config('a'), ELF)
    rt.collectBatch()
    const first = rt.sliceInstructions
    let executed = 0
    for (let i = 0; i < 5; i++) executed += rt.runRound()
    expect(rt.sliceInstructions).toBeGreaterThan(first)
    advance(500)
    const s = rt.collectBatch()?.stats[0]
    expect(s?.instructionsPerSec).toBe(executed * 2)
    expect(s?.wallMs).toBe(500)
    // no activity: one zero-rate sample, then nothing
    advance(100)
    rt.pause('a')
    expect(rt.collectBatch()?.stats[0]?.instructionsPerSec).toBe(0)
    advance(100)
    expect(rt.collectBatch()).toBeNull()
  })

  it('contains a VM that throws: it alone is crashed with the error code', () => {
    const factory = (c: VmConfig, elf: Uint8Array): VmInstance => {
      const vm = createVm(c, elf)
      if (c.name !== 'bad') return vm
      return Object.assign(Object.create(vm) as VmInstance, {
        step: () => {
          throw Object.assign(new Error('boom'), { code: 'GUEST_WILD_MMIO', params: { addr: 0x1234 } })
        }
      })
    }
    const { rt } = runtime(factory)
    rt.boot('good', config('good'), ELF)
    rt.boot('bad', config('bad'), ELF)
    rt.runRound()
    rt.runRound()
    const batch = rt.collectBatch()
    expect(batch?.states.find((s) => s.vmId === 'bad' && s.state === 'crashed')?.halt).toEqual({
      kind: 'crash',
      exitCode: -1,
      error: { code: 'GUEST_WILD_MMIO', params: { addr: 0x1234 } }
    })
    expect(rt.runningCount).toBe(1)
    expect(batch?.stats.find((s) => s.vmId === 'good')?.stats.instructions).toBeGreaterThan(0)
  })

  it('reports the guest power-off and its final serial output', () => {
    const { rt } = runtime()
    rt.boot('a', config('a'), ELF)
    rt.sendSerial('a', new TextEncoder().encode('ok q'))
    rt.runRound()
    const batch = rt.collectBatch()
    expect(new TextDecoder().decode(batch?.serial[0]?.bytes)).toBe('synthetic a hardware-assisted\r\nOK ')
    expect(batch?.states.at(-1)).toEqual({ vmId: 'a', state: 'halted', halt: { kind: 'poweroff', exitCode: 0, error: null } })
    expect(rt.hasRunnable()).toBe(false)
    expect(() => rt.pause('a')).toThrow('VM_BAD_STATE')
  })
})
