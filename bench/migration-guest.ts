// The real guest for bench/migration: kernel.elf on the VMM, when vmm/ exports createVm. Returns null while the
// VMM is not there yet.
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import type { IncomingVm } from '../src/main/engine/migration'

export async function engineGuestFactory(memoryMiB: number, cmdline: string): Promise<((empty: boolean) => IncomingVm) | null> {
  const elfPath = join(__dirname, '..', 'resources', 'guest', 'kernel.elf')
  if (!existsSync(elfPath)) return null
  const api = (await import('../src/main/engine/vmm/api')) as Record<string, unknown>
  const createVm = api['createVm']
  if (typeof createVm !== 'function') return null
  const elf = new Uint8Array(readFileSync(elfPath))
  const config = { name: 'bench', memoryMiB, mode: 'hardware-assisted', nic: 'none', vtpm: false, cmdline }
  return () => (createVm as (c: typeof config, e: Uint8Array) => IncomingVm)(config, elf)
}
