// App VMs with a NIC on a host network, as createVm builds them, serving the kernel's `workload=web` (shared by
// app-nic and failover).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createVm, type Vm } from '../../../src/main/engine/vmm/vm'
import type { NicModel, VirtMode, VmConfig } from '../../../src/main/engine/vmm/api'
import { HostNetwork } from '../../../src/main/engine/host/host-network'

export const KERNEL_ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')
export const text = (b: Uint8Array): string => new TextDecoder().decode(b)

export function boot(mode: VirtMode, nic: NicModel, net = new HostNetwork(), id = 'vm1', cmdline = 'selftest=0 workload=web'): { vm: Vm; net: HostNetwork } {
  // VMs sharing a host need their own names (the IOMMU domain and the MAC are the name's)
  const config: VmConfig = { name: id === 'vm1' ? `web-${mode}` : `${id}-${mode}`, memoryMiB: 16, mode, nic, vtpm: false, cmdline }
  const vm = createVm(config, new Uint8Array(readFileSync(KERNEL_ELF)), { network: net.forVm(id, config.name) }) as Vm
  return { vm, net }
}

/** Run until the web workload says it serves; returns the console output so far. */
export function runUntilServing(vm: Vm): string {
  let out = ''
  for (let i = 0; i < 400 && !out.includes('web: serving'); i++) {
    vm.runFor(1_000_000)
    out += text(vm.drainSerial())
  }
  return out
}

/** A host with an IOMMU and `vfs` SR-IOV VFs. */
export function vfHost(vfs = 2, name = 'host-a'): HostNetwork {
  const host = new HostNetwork()
  host.configure({ name, iommu: true, sriovVfs: vfs })
  return host
}
