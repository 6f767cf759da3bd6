// bench/io: packets/s per NIC path in virtual time next to what simulating them costs in wall-clock time, and the
// guest virtio-net driver's ARP exchange on the workbench vs on QEMU (the peer) in the same run.
//   npx tsx bench/io.ts [packets]
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
