// The VF's posted interrupts reach the guest kernel (an idle VF web server sleeps instead of spinning), and VF +
// virtio failover end to end on the real kernel (`net=failover`): requests answered on the VF with no interrupt
// exits, a hot-unplug moves them to the virtio standby without losing one, a re-plug moves them back.
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Vm } from '../../../src/main/engine/vmm/vm'
import type { HostNetwork } from '../../../src/main/engine/host/host-network'
import type { ExitReason } from '../../../src/main/engine/vmm/api'
import { KERNEL_ELF, boot, runUntilServing, text, vfHost } from './nic-vm'

const MS = 1_000_000 // cycles per virtual millisecond

function exitsSince(vm: Vm, before: Record<ExitReason, number>, reason: ExitReason): number {
  return vm.stats().exits[reason] - before[reason]
}

/** Send `count` requests 0.5 ms apart and run the VM until they are all answered (or 200 ms passed). */
function serve(vm: Vm, net: HostNetwork, count: number, midway?: () => void): NonNullable<ReturnType<HostNetwork['webReport']>> {
  net.startWebClient('vm1', { intervalNs: 500_000, count })
  for (let i = 0; i < 200; i++) {
    vm.runFor(MS)
    if (i === Math.floor(count / 4)) midway?.()
    const r = net.webReport('vm1')
    if (r && r.summary.answered === count && i > count / 2) break
  }
  const r = net.webReport('vm1')
  if (!r) throw new Error('no client')
  return r
}

function expectAllOnce(r: NonNullable<ReturnType<HostNetwork['webReport']>>, count: number): void {
  expect(r.summary.sent).toBe(count)
  expect(r.summary.answered).toBe(count)
  expect(r.summary.duplicates).toBe(0)
  expect(r.summary.counterBreaks).toBe(0)
}

describe.skipIf(!existsSync(KERNEL_ELF))('posted interrupts into the guest kernel', () => {
  it('an idle VF web server sleeps in WFI like a virtio one instead of polling its ring', () => {
    const idle: Record<string, number> = {}
    for (const nic of ['sriov-vf', 'virtio'] as const) {
      const { vm } = boot('hardware-assisted', nic, vfHost())
      runUntilServing(vm)
      vm.runFor(5 * MS) // settled: the server is asleep in net_recv
      const before = vm.stats()
      vm.runFor(50 * MS)
      const after = vm.stats()
      idle[nic] = after.instructions - before.instructions
      expect(after.virtualCycles - before.virtualCycles).toBeGreaterThanOrEqual(50 * MS)
      // awake only for the 10 ms tick: a polling server would execute about one instruction per cycle
      expect(idle[nic]).toBeLessThan(0.01 * 50 * MS)
      expect(after.exits.wfi - before.exits.wfi).toBeGreaterThanOrEqual(5)
    }
    // the VF server idles like the interrupt-driven virtio one (the same tick work, within 25 %)
    expect(idle['sriov-vf']).toBeLessThan(1.25 * idle.virtio)
    console.log(`[idle 50 ms] instructions: sriov-vf ${idle['sriov-vf']}, virtio ${idle.virtio}`)
  })

  it('hardware-assisted: each request wakes the server with a posted interrupt, no exit; trap-and-emulate injects one', () => {
    for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
      const { vm, net } = boot(mode, 'sriov-vf', vfHost())
      runUntilServing(vm)
      const before = vm.stats().exits
      const posted = vm.nic?.vf?.stats.postedInterrupts ?? 0
      const r = serve(vm, net, 20)
      expectAllOnce(r, 20)
      const wakeups = (vm.nic?.vf?.stats.postedInterrupts ?? 0) - posted
      expect(wakeups).toBeGreaterThanOrEqual(20)
      expect(exitsSince(vm, before, 'external-irq')).toBe(mode === 'hardware-assisted' ? 0 : wakeups)
    }
  })
})

describe.skipIf(!existsSync(KERNEL_ELF))('VF + virtio failover in the guest kernel (net=failover)', () => {
  it('serves on the VF, moves to the standby on a hot-unplug without losing a request, and back on a re-plug', () => {
    const host = vfHost(1)
    const { vm, net } = boot('hardware-assisted', 'vf-failover', host)
    expect(vm.config.cmdline).toContain('net=failover')
    const out = runUntilServing(vm)
    expect(out).toContain('web: serving on failover vf+virtio')
    const pair = vm.nic?.failover
    if (!pair) throw new Error('no failover pair')
    expect(pair.state).toBe('primary')
    expect(host.freeVfs).toBe(0)

    // 1. on the VF: VF latency, no interrupt exits (the virtio standby's would be external-irq exits)
    let before = vm.stats().exits
    let r = serve(vm, net, 30)
    expectAllOnce(r, 30)
    expect(pair.delivered).toEqual({ primary: 30, standby: 0 })
    expect(exitsSince(vm, before, 'external-irq')).toBe(0)
    const vfMean = r.summary.meanLatencyNs
    expect(vfMean).toBeLessThan(10_000)

    // 2. hot-unplug while requests flow: the guest drains the VF, ejects it, and the standby answers the rest
    before = vm.stats().exits
    const delivered = { ...pair.delivered }
    r = serve(vm, net, 40, () => expect(pair.requestUnplug()).toBe(true))
    expectAllOnce(r, 40)
    expect(pair.state).toBe('standby')
    expect(pair.events.map((e) => e.kind)).toEqual(['unplug-request', 'unplug'])
    const onStandby = pair.delivered.standby - delivered.standby
    expect(onStandby).toBeGreaterThanOrEqual(10)
    expect(pair.delivered.primary - delivered.primary + onStandby).toBe(40)
    // the switch shows in the exits: one virtio interrupt (an exit) per request answered on the standby, and the
    // slot's own interrupt and registers
    expect(exitsSince(vm, before, 'external-irq')).toBeGreaterThanOrEqual(onStandby)
    let serial = text(vm.drainSerial())
    expect(serial).toContain('net: failover: vf released, on the virtio standby')
    expect(vm.nic?.vf).toBeDefined() // parked for this VM, as QEMU keeps an unplugged primary's resources
    const standbyMean = r.summary.meanLatencyNs

    // 3. re-plug: the guest starts the VF, traffic moves back, no interrupt exits again
    expect(pair.plug()).toBe(true)
    vm.runFor(2 * MS)
    serial = text(vm.drainSerial())
    expect(serial).toContain('net: failover: vf plugged, on the vf')
    expect(pair.state).toBe('primary')
    before = vm.stats().exits
    const primaryBefore = pair.delivered.primary
    r = serve(vm, net, 30)
    expectAllOnce(r, 30)
    expect(pair.delivered.primary - primaryBefore).toBe(30)
    expect(exitsSince(vm, before, 'external-irq')).toBe(0)
    console.log(
      `[failover] mean latency on the VF ${(vfMean / 1e3).toFixed(1)} us, during/after unplug ${(standbyMean / 1e3).toFixed(1)} us, after re-plug ${(r.summary.meanLatencyNs / 1e3).toFixed(1)} us`
    )
  })

  it('a pair on a host without a free VF comes up on its standby and takes a VF once one is free', () => {
    const host = vfHost(1)
    const first = boot('hardware-assisted', 'sriov-vf', host, 'other')
    const { vm, net } = boot('hardware-assisted', 'vf-failover', host)
    const pair = vm.nic?.failover
    expect(pair?.state).toBe('standby')
    runUntilServing(vm)
    expectAllOnce(serve(vm, net, 10), 10)
    expect(pair?.delivered).toEqual({ primary: 0, standby: 10 })
    expect(pair?.plug()).toBe(false)
    host.unplug('other', first.vm.nic?.vf ?? null)
    expect(pair?.plug()).toBe(true)
    vm.runFor(2 * MS)
    expectAllOnce(serve(vm, net, 10), 10)
    expect(pair?.delivered.primary).toBe(10)
  })

  it('a VF the guest never enabled (its network not used yet) is unplugged at once, and the guest finds the standby', () => {
    const { vm, net } = boot('hardware-assisted', 'vf-failover', vfHost(1), 'vm1', 'selftest=0')
    const pair = vm.nic?.failover
    if (!pair) throw new Error('no failover pair')
    let shell = ''
    for (let i = 0; i < 400 && !shell.includes('wb$ '); i++) {
      vm.runFor(MS)
      shell += text(vm.drainSerial())
    }
    expect(shell).toContain('wb$ ') // at the shell: the kernel probes its NIC when a program first uses it
    expect(pair.requestUnplug()).toBe(true)
    expect(pair.state).toBe('standby')
    expect(pair.events.map((e) => e.kind)).toEqual(['unplug-request', 'unplug'])
    vm.sendSerial(new TextEncoder().encode('run web\r'))
    const out = runUntilServing(vm)
    expect(out).toContain('web: serving on failover vf+virtio')
    expectAllOnce(serve(vm, net, 10), 10)
    expect(pair.delivered).toEqual({ primary: 0, standby: 10 })
  })

  it('a guest that never ejects is surprise-removed: the standby carries on', () => {
    const { vm, net } = boot('trap-and-emulate', 'vf-failover', vfHost())
    runUntilServing(vm)
    const pair = vm.nic?.failover
    if (!pair) throw new Error('no failover pair')
    const r = serve(vm, net, 20, () => pair.surpriseRemove())
    expectAllOnce(r, 20)
    expect(pair.state).toBe('standby')
    expect(text(vm.drainSerial())).toContain('net: failover: vf removed, on the virtio standby')
  })
})
