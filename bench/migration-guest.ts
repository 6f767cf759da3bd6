// The real guest for bench/migration: resources/guest/kernel.elf on the VMM (createVm in src/main/engine/vmm/vm.ts).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { IncomingVm } from '../src/main/engine/migration'
import { createVm } from '../src/main/engine/vmm/vm'

export function engineGuestFactory(memoryMiB: number, cmdline: string): ((empty: boolean) => IncomingVm) | null {
  const elfPath = join(__dirname, '..', 'resources', 'guest', 'kernel.elf')
  if (!existsSync(elfPath)) return null
  const elf = new Uint8Array(readFileSync(elfPath))
  return () => createVm({ name: 'bench', memoryMiB, mode: 'hardware-assisted', nic: 'none', vtpm: false, cmdline }, elf)
}
