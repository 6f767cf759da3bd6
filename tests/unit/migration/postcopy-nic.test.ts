// Post-copy of a VM with a virtio NIC, in one thread with the host-worker endpoints (host-methods.ts) on two host
// networks: the guest serves `web`, the migration's load client moves with it, and the NIC's DMA pages (rings,
// every buffer the descriptor tables point at) are present before each post-copy slice. Without that guard (tried
// by hand: host-methods.ts building the destination VM unwrapped) the guest answered 10 of 62 requests, none after
// the switch: the device read its rings from pages that had not arrived.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { HostNetwork } from '../../../src/main/engine/host/host-network'
import {
  migrationHostMethodImpls,
  startDestinationEndpoint,
  startSourceEndpoint,
  type MigrationEndpointEvent,
  type MigrationHost
} from '../../../src/main/engine/migration/host-methods'
import { missingNicPage } from '../../../src/main/engine/migration/postcopy-dma'
import type { ClientReport } from '../../../src/main/engine/migration/load-client'
import { RAM_BASE } from '../../../src/main/engine/machine/board'
import type { VmConfig, VmInstance } from '../../../src/main/engine/vmm/api'
import { createVm } from '../../../src/main/engine/vmm/vm'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'

const ELF = new Uint8Array(readFileSync(resolve(__dirname, '../../../resources/guest/kernel.elf')))
const CONFIG: VmConfig = { name: 'web', memoryMiB: 16, mode: 'hardware-assisted', nic: 'virtio', vtpm: false, cmdline: 'selftest=0 workload=web' }
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

/** A host for the endpoints: its network, VMs built on it, and the VMs it runs (stepped by the test). */
function host(): MigrationHost & { network: HostNetwork; running: Map<string, VmInstance> } {
  const network = new HostNetwork()
  const running = new Map<string, VmInstance>()
  return {
    network,
    running,
    detach: (id) => {
      const vm = running.get(id)
      if (!vm) throw new Error(`no VM ${id}`)
      running.delete(id)
      return vm
    },
    adopt: (id, vm) => void running.set(id, vm),
    build: (config, elf, id) => createVm(config, elf, id ? { network: network.forVm(id, config.name) } : {}),
    release: (id) => network.unplug(id)
  }
}

function servingVm(h: ReturnType<typeof host>): VmInstance {
  const vm = h.build(CONFIG, ELF, 'vm1')
  let out = ''
  for (let i = 0; i < 200 && !out.includes('web: serving'); i++) {
    vm.runFor(1_000_000)
    out += text(vm.drainSerial())
  }
  expect(out).toContain('web: serving on virtio-net')
  return vm
}

/** Run both host-worker endpoints in this thread: a post-copy of the serving VM from host a to host b. */
function startPostcopy(a: ReturnType<typeof host>, b: ReturnType<typeof host>, vm: VmInstance, onEvent: (e: MigrationEndpointEvent) => void): void {
  const link = new MessageChannel()
  const clientLink = new MessageChannel()
  const srcEvents = new MessageChannel()
  const dstEvents = new MessageChannel()
  srcEvents.port1.on('message', onEvent)
  dstEvents.port1.on('message', onEvent)
  startDestinationEndpoint(b, {
    migrationId: 'm1',
    vmId: 'vm1',
    link: link.port2,
    events: dstEvents.port2,
    offer: { hostId: 'b', freeMemoryBytes: 1 << 30, capabilities: ['mode:hardware-assisted', 'nic:virtio'] },
    config: CONFIG,
    elf: ELF,
    clientLink: clientLink.port2
  })
  startSourceEndpoint(a, {
    migrationId: 'm1',
    vmId: 'vm1',
    hostId: 'a',
    link: link.port1,
    events: srcEvents.port2,
    params: { 'postcopy-ram': true, 'max-bandwidth': 1_000_000 },
    descriptor: { name: 'web', memoryBytes: vm.ram.length, requires: ['mode:hardware-assisted', 'nic:virtio'], devices: [{ id: 'nic0', kind: 'virtio', passthrough: false }] },
    clientLink: clientLink.port1
  })
}

describe('post-copy with a virtio NIC', () => {
  it('names the NIC pages that must be present: rings first, then the buffers the descriptors point at', () => {
    const vm = servingVm(host())
    const nic = vm.nic
    if (!nic?.virtio) throw new Error('no virtio NIC')
    const all = (): boolean => true
    expect(missingNicPage(nic, vm.ram, all)).toBe(-1)
    const rx = nic.virtio.transport.queues[0]
    expect(rx.ready).toBe(true)
    const page = (addr: number): number => Math.floor((addr - RAM_BASE) / PAGE_SIZE)
    // the receive queue's descriptor table
    expect(missingNicPage(nic, vm.ram, (p) => p !== page(rx.descAddr))).toBe(page(rx.descAddr))
    // a receive buffer: descriptor 0's address, read from guest RAM
    const view = new DataView(vm.ram.buffer, vm.ram.byteOffset)
    const buf = view.getUint32(rx.descAddr - RAM_BASE, true)
    const ringPages = new Set([rx.descAddr, rx.driverAddr, rx.deviceAddr].map(page))
    expect(ringPages.has(page(buf))).toBe(false)
    expect(missingNicPage(nic, vm.ram, (p) => p !== page(buf))).toBe(page(buf))
  })

  it('the guest keeps answering through the post-copy; every request exactly once', async () => {
    const a = host()
    const b = host()
    const vm = servingVm(a)
    a.adopt('vm1', vm)
    const reports: ClientReport[] = []
    let sourceDone = false
    let destDone: MigrationEndpointEvent | null = null
    startPostcopy(a, b, vm, (e) => {
      if (e.type === 'client') reports.push(e.report)
      if (e.type === 'source-done') sourceDone = true
      if (e.type === 'dest-done') destDone = e
    })
    // the endpoints run the migration; afterwards the destination host runs the VM until the client's tail ends
    for (const t0 = performance.now(); !(sourceDone && destDone) && performance.now() - t0 < 120_000; ) await new Promise((r) => setTimeout(r, 5))
    expect(destDone).toMatchObject({ status: 'resumed' })
    const moved = b.running.get('vm1')
    if (!moved) throw new Error('not adopted at the destination')
    for (let i = 0; i < 400 && reports.at(-1)?.status !== 'done'; i++) {
      moved.step(200_000)
      await new Promise((r) => setImmediate(r))
    }
    const last = reports.at(-1)
    expect(last?.status).toBe('done')
    const s = last?.summary
    expect(s?.sent).toBeGreaterThan(50) // one request every 2 ms at this link speed
    expect(s?.answered).toBe(s?.sent)
    expect(s?.duplicates).toBe(0)
    expect(s?.counterBreaks).toBe(0)
    expect(reports.flatMap((r) => r.samples).length).toBe(s?.answered)
    expect(text(moved.drainSerial())).not.toContain('VMM Workbench teaching kernel')
  }, 180_000)

  it('a link drop after the switch loses the VM; the client at the destination still ends with its report', async () => {
    const a = host()
    const b = host()
    const vm = servingVm(a)
    a.adopt('vm1', vm)
    const reports: ClientReport[] = []
    let sourceDone: MigrationEndpointEvent | null = null
    let destDone: MigrationEndpointEvent | null = null
    let dropped = false
    startPostcopy(a, b, vm, (e) => {
      if (e.type === 'client') reports.push(e.report)
      if (e.type === 'progress' && e.info.status === 'postcopy-active' && !dropped) {
        dropped = true
        migrationHostMethodImpls['migration.dropLink'](a, { migrationId: 'm1' })
      }
      if (e.type === 'source-done') sourceDone = e
      if (e.type === 'dest-done') destDone = e
    })
    for (const t0 = performance.now(); !(sourceDone && destDone) && performance.now() - t0 < 120_000; ) await new Promise((r) => setTimeout(r, 5))
    expect(dropped).toBe(true)
    expect(sourceDone).toMatchObject({ status: 'failed', sourceVmUsable: false })
    expect(destDone).toMatchObject({ status: 'failed', code: 'MIGRATION_POSTCOPY_LINK_LOST' })
    // neither host runs the guest any more; the client that went to b ended with a last report
    expect(a.running.has('vm1')).toBe(false)
    expect(b.running.has('vm1')).toBe(false)
    expect(reports.at(-1)?.status).toBe('done')
  }, 180_000)
})
