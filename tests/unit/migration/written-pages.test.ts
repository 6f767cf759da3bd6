// The VM's record of written pages (MigratableVm.writtenPages), which lets a migration skip pages it would
// otherwise read: it must name every page that holds data, whatever wrote it (loader, guest, VMM), and it must
// become "unknown" when RAM is written from outside (a state load).
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { channelFromPort, MigrationDestination, MigrationSource } from '../../../src/main/engine/migration'
import { isZeroPage, writtenRamHash } from '../../../src/main/engine/migration/state-hash'
import { createVm } from '../../../src/main/engine/vmm/vm'
import type { VirtMode, VmInstance } from '../../../src/main/engine/vmm/api'
import { PAGE_SIZE } from '../../../src/main/engine/vmm/vm-state'
import { DirtierVm } from './dirtier-vm'

const ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')

function boot(mode: VirtMode, cmdline: string): VmInstance {
  return createVm({ name: 'rec', memoryMiB: 16, mode, nic: 'none', vtpm: false, cmdline }, new Uint8Array(readFileSync(ELF)))
}

/** Pages holding data that the record says are zero (must be none), and how many pages the record names. */
function audit(ram: Uint8Array, record: Uint8Array): { missed: number[]; named: number; nonZero: number } {
  const buf = Buffer.from(ram.buffer, ram.byteOffset, ram.byteLength)
  const missed: number[] = []
  let named = 0
  let nonZero = 0
  for (let p = 0; p < record.length; p++) {
    if (record[p]) named++
    if (!isZeroPage(buf, p)) {
      nonZero++
      if (!record[p]) missed.push(p)
    }
  }
  return { missed, named, nonZero }
}

describe.skipIf(!existsSync(ELF))('the VM records the pages that may hold data', () => {
  for (const mode of ['hardware-assisted', 'trap-and-emulate'] as const) {
    it(`${mode}: every non-zero page is named after boot, self-test and the dirtier; a state load makes it unknown`, () => {
      const vm = boot(mode, 'workload=dirty dirty.pages=300 dirty.rate=20000 dirty.words=3')
      const atBoot = vm.writtenPages?.()
      if (!atBoot) throw new Error('a fresh VM must know its written pages')
      const boot0 = audit(vm.ram, atBoot)
      expect(boot0.missed).toEqual([])
      expect(boot0.named).toBeGreaterThan(0) // the kernel image
      vm.runFor(400_000_000) // self-test processes, then the dirtier's heap (zeroed by the kernel) and passes
      const record = vm.writtenPages?.()
      if (!record) throw new Error('no record after running')
      const after = audit(vm.ram, record)
      expect(after.missed).toEqual([])
      expect(after.nonZero).toBeGreaterThan(300)
      // useful: far fewer pages than RAM (16 MiB = 4096 pages) are named
      expect(after.named).toBeLessThan(vm.ram.length / PAGE_SIZE / 2)

      const state = vm.saveState()
      vm.loadState(state)
      expect(vm.writtenPages?.()).toBeNull()
      vm.setWrittenPages?.(record)
      vm.runFor(50_000_000)
      const handed = vm.writtenPages?.()
      if (!handed) throw new Error('no record after setWrittenPages')
      expect(audit(vm.ram, handed).missed).toEqual([])
    })
  }

  it('the written digest is the same for equal RAM whatever the records name, and differs for one changed byte', () => {
    const a = new DirtierVm({ pages: 512, workingSet: 64, rate: 1000, firstPage: 8 })
    const all = new Uint8Array(512).fill(1)
    const own = a.writtenPages?.() ?? null
    expect(own).not.toBeNull()
    expect(writtenRamHash(a.ram, own)).toBe(writtenRamHash(a.ram, all))
    expect(writtenRamHash(a.ram, own)).toBe(writtenRamHash(a.ram, null))
    const b = a.ram.slice()
    b[PAGE_SIZE * 5 + 17] ^= 1
    expect(writtenRamHash(b, null)).not.toBe(writtenRamHash(a.ram, null))
  })
})

async function migrateDirtier(src: DirtierVm, verifyRam: 'full' | 'written'): Promise<{ status: string; error: string | null; dest: DirtierVm | null }> {
  const { port1, port2 } = new MessageChannel()
  let dest: DirtierVm | null = null
  const destination = new MigrationDestination({
    channel: channelFromPort(port2),
    offer: { hostId: 'b', freeMemoryBytes: 1 << 30, capabilities: [] },
    createVm: () => (dest = new DirtierVm({ ...src.cfg, empty: true }))
  })
  const source = new MigrationSource({
    vm: src,
    channel: channelFromPort(port1),
    hostId: 'a',
    descriptor: { name: 'd', memoryBytes: src.ram.length, requires: [], devices: [] },
    params: { 'max-bandwidth': 50_000_000 },
    verifyRam
  })
  const [outcome, incoming] = await Promise.all([source.start(), destination.done])
  port1.close()
  port2.close()
  return { status: outcome.status, error: outcome.info.error?.code ?? null, dest: incoming.vm ? dest : null }
}

describe('migration with records of written pages', () => {
  it('the destination writes only the pages that hold data and hands the VM an exact record', async () => {
    const src = new DirtierVm({ pages: 2048, workingSet: 200, rate: 20_000, firstPage: 100 })
    src.runFor(20_000_000)
    const run = await migrateDirtier(src, 'full')
    expect(run.status).toBe('completed')
    const dest = run.dest
    if (!dest) throw new Error('no destination VM')
    expect(Buffer.compare(dest.ram, src.ram)).toBe(0)
    const record = dest.writtenPages?.()
    if (!record) throw new Error('the destination did not hand over its record')
    // exactly the non-zero pages: zero pages arriving for never-written pages were not written
    const buf = Buffer.from(dest.ram.buffer)
    for (let p = 0; p < record.length; p++) expect(record[p]).toBe(isZeroPage(buf, p) ? 0 : 1)
  })

  it('a source record that misses a page with data: full verification refuses to resume, the written check cannot tell', async () => {
    for (const check of ['full', 'written'] as const) {
      const src = new DirtierVm({ pages: 1024, workingSet: 64, rate: 1000, firstPage: 10 })
      src.runFor(1_000_000)
      const lie = src.writtenPages?.()
      if (!lie) throw new Error('no record')
      lie[1] = 0 // page 1 holds data (only every fourth page is zero)
      src.setWrittenPages?.(lie)
      const run = await migrateDirtier(src, check)
      if (check === 'full') {
        expect(run.status).toBe('failed')
        expect(run.error).toBe('MIGRATION_VERIFY_FAILED')
      } else {
        expect(run.status).toBe('completed') // documented: 'written' trusts the records
      }
    }
  })
})
