// bench/io: packets/s per NIC path in virtual time next to what simulating them costs in wall-clock time, and the
// guest virtio-net driver's ARP exchange on the workbench vs on QEMU (the peer) in the same run.
//   npx tsx bench/io.ts [packets]   (also: the app-VM path, a virtio VM through the service and its host switch;
//   and the kernel's NIC paths in-process: virtio vs the interrupt-driven VF vs VF + virtio failover, with a hot-unplug)
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { NET_PATHS, netLabImage, runNetPath } from '../src/main/engine/labs/io/net-lab'
import { Machine } from '../src/main/engine/machine/machine'
import { RamDma } from '../src/main/engine/devices/virtio/dma'
import { EmptyVirtioSlot, VirtioMmioTransport } from '../src/main/engine/devices/virtio/mmio'
import { virtioSlot } from '../src/main/engine/devices/virtio/constants'
import { VirtioNet } from '../src/main/engine/devices/net/virtio-net'
import { EventQueue } from '../src/main/engine/network/events'
import { VirtualSwitch } from '../src/main/engine/network/switch'
import { ExternalEndpoint } from '../src/main/engine/network/endpoint'
import { macFromString } from '../src/main/engine/network/frame'

const dir = join(__dirname, '../resources/guest/iolab')
const packets = Number(process.argv[2] ?? 5000)

function line(name: string, value: number, unit: string): void {
  console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`)
}

for (const path of NET_PATHS) {
  const elf = new Uint8Array(readFileSync(join(dir, netLabImage(path))))
  const t0 = performance.now()
  const r = runNetPath(path, elf, { packets, pings: 100, frameSize: 64 })
  const wall = (performance.now() - t0) / 1000
  line(`${path}.virtual_pps`, Math.round(r.packetsPerSecond), 'packets/s (virtual)')
  line(`${path}.wall_pps`, Math.round((packets + 2 * r.pings) / wall), 'packets/s (wall clock, simulated)')
  line(`${path}.exits_per_packet`, r.exitsPerPacket, 'exits')
  line(`${path}.rtt_mean`, r.rttMeanNs / 1000, 'µs (virtual)')
  line(`${path}.slowdown`, r.packetsPerSecond / ((packets + 2 * r.pings) / wall), 'x (virtual pps / wall pps)')
}

// peer: the same driver ELF (40 ARP round trips over virtio-net) on the workbench's bare machine and on QEMU
const arp = readFileSync(join(dir, 'virtio-arp.elf'))
const t1 = performance.now()
const m = new Machine(arp, { memoryMiB: 64 })
const events = new EventQueue()
events.clock = () => m.hart.cycle
const sw = new VirtualSwitch(events, { perFrameCycles: 1000, linkGbps: 10 })
const endpoint = new ExternalEndpoint(events)
endpoint.tx = sw.attach('uplink', endpoint)
const dev = new VirtioNet(macFromString('52:54:00:12:34:56'), { transmit: () => {} })
dev.connect(sw.attach('vm', dev))
const slot = virtioSlot(7)
const t = new VirtioMmioTransport('virtio7', dev, new RamDma(m.bus.ram, m.bus.ramBase), { set: (l) => m.plic.setLevel(slot.irq, l) })
m.bus.map('virtio7', slot.base, t.size, t)
for (let i = 0; i < 7; i++) m.bus.map(`virtio${i}`, virtioSlot(i).base, 0x1000, new EmptyVirtioSlot(`virtio${i}`))
for (let limit = 50_000; limit < 2e9; limit += 50_000) {
  const x = m.run({ maxCycles: limit })
  events.runUntil(m.hart.cycle)
  if (x.kind !== 'limit') break
}
const ours = (performance.now() - t1) / 1000
line('arp40.workbench_wall', ours * 1000, 'ms')
const t2 = performance.now()
const q = spawnSync(
  'qemu-system-riscv32',
  ['-machine', 'virt', '-bios', 'none', '-nographic', '-m', '64M', '-global', 'virtio-mmio.force-legacy=false', '-kernel', join(dir, 'virtio-arp.elf'),
    '-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-device,netdev=n0'],
  { encoding: 'utf8', timeout: 60_000 }
)
const qemu = (performance.now() - t2) / 1000
if (q.status === 0) {
  line('arp40.qemu_wall', qemu * 1000, 'ms')
  line('arp40.ratio', ours / qemu, 'x (workbench wall / QEMU wall, QEMU includes its start-up)')
} else {
  console.log('arp40.qemu_wall: unavailable (apt-get install qemu-system-misc)')
}

// The app-VM path: a VM created through the service with nic=virtio (its NIC on the host worker's virtual switch,
// net=virtio on its command line), `run web` typed on its console, and the host's load client sending requests
// (net.webStart). Peer, in the same run: the same kernel and web workload driven in this process by createVm on a
// HostNetwork, with no service, worker thread or IPC around it.
async function appVmPath(): Promise<void> {
  const { mkdtempSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { WorkbenchService } = await import('../src/main/service/workbench-service')
  const { sourceWorkerEntry } = await import('../src/main/service/host-worker-entry')
  const { HostNetwork } = await import('../src/main/engine/host/host-network')
  const { createVm } = await import('../src/main/engine/vmm/vm')
  const root = join(__dirname, '..')
  const requests = Math.max(200, Math.round(packets / 2))
  const intervalNs = 100_000
  const dataDir = mkdtempSync(join(tmpdir(), 'wb-bench-io-'))
  const service = new WorkbenchService({ dataDir, guestDir: join(root, 'resources/guest'), hostWorker: sourceWorkerEntry(root), batchHz: 20 })
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
  const text = (id: string): string => new TextDecoder().decode(service.vms.rt(id).serial.contents())
  try {
    const vm = service.create({ name: 'bench-web', memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' })
    await service.start(vm.id)
    while (!text(vm.id).includes('wb$ ')) await sleep(20)
    await service.sendSerial(vm.id, 'run web\r')
    while (!text(vm.id).includes('web: serving')) await sleep(20)
    const conn = service.hosts.connection('host-a')
    const t0 = performance.now()
    await conn.call('net.webStart', { vmId: vm.id, intervalNs, count: requests })
    let r = await conn.call('net.webReport', { vmId: vm.id })
    while ((r?.summary.answered ?? 0) < requests) {
      await sleep(5)
      r = await conn.call('net.webReport', { vmId: vm.id })
    }
    const wall = (performance.now() - t0) / 1000
    const s = r?.summary
    line('app_virtio.requests', requests, 'answered once each')
    line('app_virtio.duplicates', s?.duplicates ?? -1, 'answers')
    line('app_virtio.latency_mean', (s?.meanLatencyNs ?? 0) / 1000, 'µs (virtual)')
    line('app_virtio.virtual_rps', 1e9 / intervalNs, 'requests/s (virtual, the client rate)')
    line('app_virtio.wall_rps', Math.round(requests / wall), 'requests/s (wall clock, through the service)')

    await service.stop(vm.id) // its worker would otherwise keep a core busy idling through virtual time

    // peer: the same guest in this process
    const net = new HostNetwork()
    const peerVm = createVm(
      { name: 'bench-web', memoryMiB: 32, mode: 'hardware-assisted', nic: 'virtio', vtpm: false, cmdline: 'selftest=0 workload=web' },
      new Uint8Array(readFileSync(join(root, 'resources/guest/kernel.elf'))),
      { network: net.forVm('peer', 'bench-web') }
    )
    let out = ''
    while (!out.includes('web: serving')) {
      peerVm.runFor(1_000_000)
      out += new TextDecoder().decode(peerVm.drainSerial())
    }
    const t1 = performance.now()
    net.startWebClient('peer', { intervalNs, count: requests })
    while ((net.webReport('peer')?.summary.answered ?? 0) < requests) peerVm.runFor(1_000_000)
    const peerWall = (performance.now() - t1) / 1000
    line('peer_in_process.latency_mean', (net.webReport('peer')?.summary.meanLatencyNs ?? 0) / 1000, 'µs (virtual)')
    line('peer_in_process.wall_rps', Math.round(requests / peerWall), 'requests/s (wall clock, engine only)')
    line('app_virtio.ratio_to_peer', peerWall / wall, 'x (service path wall rps / in-process wall rps)')
  } finally {
    await service.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

// The guest kernel's own drivers on a HostNetwork (createVm, in this process): requests answered, virtual latency,
// interrupt exits and posted interrupts per request, instructions while idle (an interrupt-driven driver sleeps);
// the peer in the same run is the virtio path. Then a failover VM unplugged halfway through its requests.
async function kernelNicPaths(): Promise<void> {
  const { HostNetwork } = await import('../src/main/engine/host/host-network')
  const { createVm } = await import('../src/main/engine/vmm/vm')
  const elf = new Uint8Array(readFileSync(join(__dirname, '../resources/guest/kernel.elf')))
  const requests = Math.max(200, Math.round(packets / 10))
  const intervalNs = 100_000
  const boot = (mode: 'hardware-assisted' | 'trap-and-emulate', nic: 'virtio' | 'sriov-vf' | 'vf-failover') => {
    const net = new HostNetwork()
    net.configure({ name: 'bench', iommu: true, sriovVfs: 2 })
    const vm = createVm({ name: 'bench-nic', memoryMiB: 16, mode, nic, vtpm: false, cmdline: 'selftest=0 workload=web' }, elf, { network: net.forVm('vm', 'bench-nic') })
    let out = ''
    while (!out.includes('web: serving')) {
      vm.runFor(1_000_000)
      out += new TextDecoder().decode(vm.drainSerial())
    }
    return { vm, net, nic: (vm as unknown as { nic: import('../src/main/engine/devices/net/attach').NicAttachment }).nic }
  }
  const idle: Record<string, number> = {}
  for (const [mode, nic] of [
    ['hardware-assisted', 'virtio'],
    ['hardware-assisted', 'sriov-vf'],
    ['hardware-assisted', 'vf-failover'],
    ['trap-and-emulate', 'sriov-vf']
  ] as const) {
    const { vm, net, nic: a } = boot(mode, nic)
    const name = `kernel_${nic}${mode === 'trap-and-emulate' ? '_tne' : ''}`
    vm.runFor(5_000_000)
    const i0 = vm.stats().instructions
    vm.runFor(50_000_000)
    idle[name] = vm.stats().instructions - i0
    const e0 = vm.stats().exits['external-irq']
    const p0 = a.vf?.stats.postedInterrupts ?? 0
    const t0 = performance.now()
    net.startWebClient('vm', { intervalNs, count: requests })
    while ((net.webReport('vm')?.summary.answered ?? 0) < requests) vm.runFor(1_000_000)
    const wall = (performance.now() - t0) / 1000
    const s = net.webReport('vm')?.summary
    line(`${name}.answered`, s?.answered ?? 0, `of ${requests} (duplicates ${s?.duplicates ?? -1})`)
    line(`${name}.latency_mean`, (s?.meanLatencyNs ?? 0) / 1000, 'µs (virtual)')
    line(`${name}.irq_exits_per_request`, (vm.stats().exits['external-irq'] - e0) / requests, 'exits')
    line(`${name}.posted_per_request`, ((a.vf?.stats.postedInterrupts ?? 0) - p0) / requests, 'posted interrupts')
    line(`${name}.idle_instructions_50ms`, idle[name], 'instructions')
    line(`${name}.wall_rps`, Math.round(requests / wall), 'requests/s (wall clock)')
  }
  line('kernel_sriov-vf.idle_ratio_to_virtio', idle['kernel_sriov-vf'] / idle.kernel_virtio, 'x (VF idle instructions / virtio idle instructions)')

  const { vm, net, nic: a } = boot('hardware-assisted', 'vf-failover')
  const pair = a.failover
  if (!pair) return
  net.startWebClient('vm', { intervalNs, count: requests })
  let unplugAt = -1
  let released = false
  while ((net.webReport('vm')?.summary.answered ?? 0) < requests) {
    vm.runFor(1_000_000)
    if (unplugAt < 0 && (net.webReport('vm')?.summary.answered ?? 0) >= requests / 2) {
      unplugAt = vm.virtualCycles
      pair.requestUnplug()
    }
    if (unplugAt >= 0 && !released && pair.state === 'standby') {
      released = true
      line('failover_unplug.release_time', (vm.virtualCycles - unplugAt) / 1e6, 'ms (virtual, request → guest eject, at 1 ms steps)')
    }
  }
  const s = net.webReport('vm')?.summary
  line('failover_unplug.answered', s?.answered ?? 0, `of ${requests} (duplicates ${s?.duplicates ?? -1}, counter breaks ${s?.counterBreaks ?? -1})`)
  line('failover_unplug.on_vf', pair.delivered.primary, 'requests')
  line('failover_unplug.on_standby', pair.delivered.standby, 'requests')
}

void appVmPath().then(kernelNicPaths)
