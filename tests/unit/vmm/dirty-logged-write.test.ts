// Hardware-assisted dirty logging takes its write-protect exit inside the EPT translation (Ept.onLoggedWrite)
// instead of failing the translation, raising a guest page fault and re-executing the store. It must be the same
// machine either way: the same pages logged, the same exits, the same virtual time and the same state, round after
// round. The reference VM switches the hook off and takes the fault path.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ramHash, stateHash } from '../../../src/main/engine/migration/state-hash'
import type { HwAssistMode } from '../../../src/main/engine/vmm/hw-assist'
import type { Vm } from '../../../src/main/engine/vmm/vm'
import { makeVm, runUntil } from './helpers'

const kernel = new Uint8Array(readFileSync(join(__dirname, '../../../resources/guest/kernel.elf')))

function eptOf(vm: Vm): HwAssistMode['ept'] {
  return (vm as unknown as { mode: HwAssistMode }).mode.ept
}

describe.each(['', ' dirty.spin=1'])('hardware-assisted dirty log, write-protect exit in the translation (workload=dirty%s)', (spin) => {
  it('logs, charges and runs exactly like the fault path', () => {
    const cmdline = `selftest=0 workload=dirty dirty.pages=96 dirty.rate=4000${spin}`
    const inline = makeVm(kernel, 'hardware-assisted', { cmdline })
    const faulting = makeVm(kernel, 'hardware-assisted', { cmdline })
    expect(eptOf(inline).onLoggedWrite).not.toBeNull()
    eptOf(faulting).onLoggedWrite = null
    for (const vm of [inline, faulting]) runUntil(vm, (o) => o.includes('dirty: pass 1 done'), 400, 200_000)
    expect(inline.virtualCycles).toBe(faulting.virtualCycles)
    const exits0 = inline.stats().exits['dirty-log'] ?? 0
    expect(faulting.stats().exits['dirty-log'] ?? 0).toBe(exits0)
    for (const vm of [inline, faulting]) vm.dirtyLog.start()
    let logged = 0
    for (let round = 0; round < 4; round++) {
      for (const vm of [inline, faulting]) vm.runFor(7_000_000)
      const a = Array.from(inline.dirtyLog.collect())
      const b = Array.from(faulting.dirtyLog.collect())
      expect(a).toEqual(b)
      expect(inline.virtualCycles).toBe(faulting.virtualCycles)
      logged += a.length
    }
    for (const vm of [inline, faulting]) vm.dirtyLog.stop()
    // 28 ms at 4000 pages/s: about 110 writes over the 96-page working set, plus the kernel's own pages
    expect(logged).toBeGreaterThan(60)
    const exits = (inline.stats().exits['dirty-log'] ?? 0) - exits0
    expect(exits).toBe(logged)
    expect((faulting.stats().exits['dirty-log'] ?? 0) - exits0).toBe(exits)
    expect(inline.stats().exits).toEqual(faulting.stats().exits)
    expect(inline.stats().instructions).toBe(faulting.stats().instructions)
    expect(stateHash(inline.saveState())).toBe(stateHash(faulting.saveState()))
    expect(ramHash(inline.ram)).toBe(ramHash(faulting.ram))
  })
})
