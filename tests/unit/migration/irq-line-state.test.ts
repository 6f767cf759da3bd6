// A state saved while the guest's external interrupt line is raised (a frame the NIC just placed in the guest's
// buffers, the guest not yet run to take it) must load into a fresh VM byte for byte. Loading the PLIC re-asserts
// the line; before the fix the fresh VM counted that as a new 'external-irq' exit and added its cost to the clock it
// had just loaded (the exit counts were then overwritten), so the destination's state hash was vmExit cycles ahead
// of the source's: the MIGRATION_VERIFY_FAILED seen when a frame reached the source VM just before the pause
// (app-web-neighbour.test.ts, under load).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HostNetwork } from '../../../src/main/engine/host/host-network'
import { buildFrame } from '../../../src/main/engine/network/frame'
import { stateFromJson, stateHash, stateToCanonicalJson } from '../../../src/main/engine/migration/state-hash'
import type { VmConfig } from '../../../src/main/engine/vmm/api'
import { createVm } from '../../../src/main/engine/vmm/vm'

const ELF = new Uint8Array(readFileSync(resolve(__dirname, '../../../resources/guest/kernel.elf')))
const CONFIG: VmConfig = { name: 'web', memoryMiB: 16, mode: 'hardware-assisted', nic: 'virtio', vtpm: false, cmdline: 'selftest=0 workload=web' }

describe('loading a state with the external interrupt line raised', () => {
  it('the loaded VM saves the same state (no exit charged for re-asserting the line)', () => {
    const net = new HostNetwork()
    const vm = createVm(CONFIG, ELF, { network: net.forVm('vm1', CONFIG.name) })
    let out = ''
    for (let i = 0; i < 200 && !out.includes('web: serving'); i++) {
      vm.runFor(1_000_000)
      out += new TextDecoder().decode(vm.drainSerial())
    }
    expect(out).toContain('web: serving on virtio-net')
    const port = net.sw.ports.find((p) => p.name === 'vm1')
    const mac = net.macOf('vm1')
    if (!port || !mac) throw new Error('no switch port for the VM')
    // a frame reaches the NIC while the guest is not running: the NIC writes it to guest RAM and raises its IRQ
    port.rx.receive(buildFrame(mac, new Uint8Array([2, 0, 0, 0, 0, 9]), 0x88b5, new Uint8Array(46)))
    const saved = vm.saveState()
    expect(saved.vmm.externalLevel).toBe(true)
    const fresh = createVm(CONFIG, ELF, { network: new HostNetwork().forVm('vm1', CONFIG.name) })
    fresh.loadState(stateFromJson(stateToCanonicalJson(saved)))
    const loaded = fresh.saveState()
    expect(loaded.hart.cycle).toBe(saved.hart.cycle)
    expect(stateHash(loaded)).toBe(stateHash(saved))
  })
})
