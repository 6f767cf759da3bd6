// Our guest virtio-net driver against QEMU's own virtio-net-device (the independent implementation): feature
// negotiation, queue setup, 40 transmissions and 40 receptions (both 16-entry rings wrap), answered by slirp.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkTool, toolAvailable } from './tools'

const qemu = checkTool('qemu-system-riscv32', 'qemu-system-misc')
const elf = join(__dirname, '../../../resources/guest/iolab/virtio-arp.elf')

describe('guest virtio-net driver on QEMU', () => {
  it.runIf(toolAvailable(qemu))('negotiates, transmits ARP requests and receives slirp replies', () => {
    const r = spawnSync(
      'qemu-system-riscv32',
      [
        '-machine', 'virt', '-bios', 'none', '-nographic', '-m', '64M',
        // QEMU's virtio-mmio defaults to the legacy (version 1) interface; our driver speaks version 2 only
        '-global', 'virtio-mmio.force-legacy=false',
        '-kernel', elf,
        '-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-device,netdev=n0'
      ],
      { encoding: 'utf8', timeout: 30_000 }
    )
    expect(r.stdout).toContain('features ok event_idx=1')
    expect(r.stdout).toContain('10.0.2.2 is-at 52:55:0a:00:02:02')
    expect(r.stdout).toMatch(/replies 40 tx 40 rx 40/)
    expect(r.status).toBe(0) // the finisher's pass code
  })
})
