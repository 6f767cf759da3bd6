// VMs as the app builds them (createVm with config.nic, on a host network): the NIC is plugged in, the kernel is
// told `net=` to match, the host's load client reaches the guest's `workload=web`, VF choices the host cannot give
// are refused with the planner's codes, and the NIC's state is part of the machine state (take state → run →
// restore → the same hash; the restored NIC carries on the conversation).
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Vm } from '../../../src/main/engine/vmm/vm'
import { kernelNetParam, nicCmdline } from '../../../src/main/engine/vmm/nic'
import { HostNetwork } from '../../../src/main/engine/host/host-network'
import { EngineError } from '../../../src/main/engine/errors'
import { KERNEL_ELF as ELF, boot, runUntilServing, vfHost } from './nic-vm'

function digest(vm: Vm): string {
  const h = createHash('sha256')
  h.update(vm.ram)
  h.update(JSON.stringify(vm.saveState(), (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)))
  return h.digest('hex')
}

describe('command line for the plugged NIC', () => {
  it('sets net= to what is plugged, replacing a contrary word, and leaves NIC-less VMs alone', () => {
    expect(nicCmdline(undefined, 'virtio', 'console=ttyS0')).toBe('console=ttyS0 net=virtio')
    expect(nicCmdline('workload=web net=emulated', 'virtio', 'x')).toBe('workload=web net=virtio')
    expect(nicCmdline('a=1', 'emulated', 'x')).toBe('a=1 net=emulated')
    expect(nicCmdline('a=1', 'vf-failover', 'x')).toBe('a=1 net=failover')
    expect(nicCmdline('a=1', 'sriov-vf', 'x')).toBe('a=1 net=vf')
    expect(nicCmdline(undefined, 'none', 'x')).toBeUndefined()
    expect(kernelNetParam('none')).toBe('none')
  })
})

describe.skipIf(!existsSync(ELF))('app VMs get their NIC', () => {
  const NAME = { virtio: 'virtio-net', emulated: 'emulated nic', 'sriov-vf': 'sr-iov vf' } as const
  for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
    for (const nic of ['virtio', 'emulated', 'sriov-vf'] as const) {
      it(`${nic}, ${mode}: the host's load client gets every request answered once`, () => {
        const host = new HostNetwork()
        host.configure({ name: 'host-a', iommu: true, sriovVfs: 2 })
        const { vm, net } = boot(mode, nic, host)
        expect(vm.config.cmdline).toBe(`selftest=0 workload=web net=${nic === 'sriov-vf' ? 'vf' : nic} mem=16M`) // the VMM also tells the kernel its RAM size
        const out = runUntilServing(vm)
        const mac = Array.from(net.macOf('vm1') ?? []).map((b) => b.toString(16).padStart(2, '0')).join(':')
        expect(out).toContain(`web: serving on ${NAME[nic]} ${mac} (ethertype 0x88b6)`)
        const before = vm.stats().exits
        net.startWebClient('vm1', { intervalNs: 500_000, count: 30 })
        vm.runFor(20_000_000)
        const r = net.webReport('vm1')
        expect(r?.summary.sent).toBe(30)
        expect(r?.summary.answered).toBe(30)
        expect(r?.summary.duplicates).toBe(0)
        expect(r?.summary.counterBreaks).toBe(0)
        expect(r?.recent.map((x) => x.counter)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
        const after = vm.stats().exits
        const mmio = after.mmio - before.mmio
        const irqs = after['external-irq'] - before['external-irq']
        // the emulated NIC costs exits per packet and is polled; virtio's receive is interrupt-driven: the server
        // sleeps and each request wakes it through the PLIC, an interrupt-injection exit per request, as on KVM;
        // the VF's page and rings are reached without any exit
        if (nic === 'emulated') {
          expect(mmio).toBeGreaterThan(30 * 4)
          expect(irqs).toBe(0)
        } else if (nic === 'virtio') {
          expect(irqs).toBeGreaterThanOrEqual(30)
          expect(irqs).toBeLessThanOrEqual(31)
        } else {
          // the only MMIO exits left are the kernel tick's UART poll (one LSR read per 10 ms tick); the VF's receive
          // interrupt is posted: no exit delivers it hardware-assisted, the VMM injects it (one exit per wake-up)
          // under trap-and-emulate
          expect(mmio).toBeLessThanOrEqual(after.timer - before.timer)
          if (mode === 'hardware-assisted') expect(irqs).toBe(0)
          else {
            expect(irqs).toBeGreaterThanOrEqual(30)
            expect(irqs).toBeLessThanOrEqual(31)
          }
          expect(vm.nic?.vf?.stats.postedInterrupts).toBeGreaterThanOrEqual(30)
        }
        console.log(`[${mode} ${nic}] mean ${((r?.summary.meanLatencyNs ?? 0) / 1e3).toFixed(1)} us, mmio exits ${mmio}, external-irq ${irqs}`)
      })
    }
  }

  it('an idle VM is woken by the network, not reported idle while frames are pending', () => {
    const { vm, net } = boot('hardware-assisted', 'virtio')
    runUntilServing(vm)
    // paced to its present (the app paces idle guests to wall time): its next tick is not due yet
    const at = vm.virtualCycles
    vm.setPace(() => at)
    expect(vm.pendingInput()).toBe(false)
    net.startWebClient('vm1', { intervalNs: 1_000_000, count: 3 })
    expect(vm.pendingInput()).toBe(true)
  })

  it('refuses a VF with the planner codes when the host cannot give one', () => {
    const net = new HostNetwork()
    net.configure({ name: 'host-b', iommu: false, sriovVfs: 0 })
    const err = (() => {
      try {
        boot('hardware-assisted', 'sriov-vf', net)
      } catch (e) {
        return e
      }
      return null
    })()
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).code).toBe('IO_NO_IOMMU')
    expect((err as EngineError).params).toMatchObject({ host: 'host-b' })

    const one = new HostNetwork()
    one.configure({ name: 'host-a', iommu: true, sriovVfs: 1 })
    const first = boot('hardware-assisted', 'vf-failover', one, 'a').vm
    expect(first.nic?.vf).toBeDefined()
    expect(first.config.cmdline).toContain('net=failover')
    try {
      boot('hardware-assisted', 'sriov-vf', one, 'b')
      expect.unreachable()
    } catch (e) {
      expect((e as EngineError).code).toBe('IO_NO_FREE_VF')
      expect((e as EngineError).params).toMatchObject({ host: 'host-a', total: 1 })
    }
    // while a VF is handed out the host's NIC stays as it is; once it is free, an edited host takes effect
    one.configure({ name: 'host-a', iommu: false, sriovVfs: 0 })
    expect(one.freeVfs).toBe(0)
    one.unplug('a', first.nic?.vf ?? null)
    expect(one.freeVfs).toBe(1)
    one.configure({ name: 'host-a', iommu: true, sriovVfs: 3 })
    expect(one.freeVfs).toBe(3)
    one.configure({ name: 'host-a', iommu: false, sriovVfs: 0 })
    expect(() => boot('hardware-assisted', 'sriov-vf', one, 'c')).toThrow(expect.objectContaining({ code: 'IO_NO_IOMMU' }))
  })

  for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
    for (const nic of ['virtio', 'emulated', 'sriov-vf', 'vf-failover'] as const) {
      it(`${nic}, ${mode}: state taken while serving restores exactly into a fresh VM`, () => {
        const a = boot(mode, nic, vfHost())
        runUntilServing(a.vm)
        a.net.startWebClient('vm1', { intervalNs: 300_000, count: 5 })
        a.vm.runFor(3_000_000)
        // a conversation happened (rings, indices, event-idx values in use) and nothing is in flight now
        expect(a.net.webReport('vm1')?.summary.answered).toBe(5)
        expect(a.net.events.size).toBe(0)
        const state = a.vm.saveState()
        const ram = a.vm.ram.slice()
        const h0 = digest(a.vm)
        // run on: the guest answers more, its RAM, rings and NIC registers move on
        a.net.startWebClient('vm1', { intervalNs: 250_000, count: 4 })
        a.vm.runFor(3_000_000)
        expect(a.net.webReport('vm1')?.summary.answered).toBe(4)
        expect(digest(a.vm)).not.toBe(h0)
        // restore into the same VM, and into a fresh VM on a fresh network: the same state, bit for bit
        a.vm.ram.set(ram)
        a.vm.loadState(structuredClone(state))
        expect(digest(a.vm)).toBe(h0)
        const b = boot(mode, nic, vfHost())
        b.vm.ram.set(ram)
        b.vm.loadState(structuredClone(state))
        expect(digest(b.vm)).toBe(h0)
        // and the restored NIC carries on the conversation where the state was taken (counter 6 onwards)
        b.net.startWebClient('vm1', { intervalNs: 250_000, count: 12 })
        b.vm.runFor(6_000_000)
        const r = b.net.webReport('vm1')
        expect(r?.summary.answered).toBe(12)
        expect(r?.summary.duplicates).toBe(0)
        expect(r?.recent.map((x) => x.counter)).toEqual(Array.from({ length: 12 }, (_, i) => i + 6))
      })
    }
  }
})
