// The guest RAM pool (machine/guest-ram.ts) behind fast reverts into a freshly built VM: a buffer warmed in idle
// time is taken by the next VM of its size (both virtualization modes: hostRamBytes must match what the VM
// allocates), it is all zero so the VM runs exactly as one with fresh memory, a recycled buffer comes back zeroed,
// and a revert into a VM built on a warm buffer takes almost no page faults where a cold one takes one per page.
import { randomFillSync } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createVm, type VirtMode, type VmInstance } from '../../../src/main/engine/vmm/api'
import { drainGuestRamPool, guestRamPoolStats, recycleGuestRam, warmGuestRam } from '../../../src/main/engine/machine/guest-ram'
import { hostRamBytes } from '../../../src/main/engine/snapshot/host-methods'
import { openSnapshotStore } from '../../../src/main/engine/snapshot/store'
import { freshVmPages } from '../../../src/main/engine/snapshot/fresh-vm'
import { fingerprint, testClock } from './synthetic-vm'
import { removeDir, tempDir } from './helpers'

const KERNEL = join(__dirname, '../../../resources/guest/kernel.elf')
const elf = existsSync(KERNEL) ? new Uint8Array(readFileSync(KERNEL)) : new Uint8Array()
const build = (mode: VirtMode, memoryMiB = 4): VmInstance =>
  createVm({ name: 'pool', memoryMiB, mode, nic: 'none', vtpm: false, cmdline: 'selftest=0 autorun=dirty dirty.pages=64 dirty.rate=0 dirty.passes=2 halt=1' }, elf)

function warm(bytes: number): void {
  const w = warmGuestRam(bytes)
  if (w === null) throw new Error('no room to warm')
  let steps = 0
  while (!w.step(256 << 10)) steps++
  expect(steps).toBe(Math.ceil(bytes / (256 << 10)) - 1) // a slice at a time
}

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0)

afterEach(() => drainGuestRamPool())

describe('guest RAM pool', () => {
  it('warms one buffer per size, zeroes what is recycled, and refuses buffers something else shares', () => {
    const stats0 = guestRamPoolStats()
    warm(1 << 20)
    expect(warmGuestRam(1 << 20)).toBeNull() // one of that size is already warm
    expect(guestRamPoolStats()).toMatchObject({ buffers: stats0.buffers + 1, bytes: stats0.bytes + (1 << 20) })
    const dirty = new Uint8Array(2 << 20)
    randomFillSync(dirty)
    expect(recycleGuestRam(dirty)).toBe(true)
    expect(isZero(dirty)).toBe(true)
    expect(recycleGuestRam(new Uint8Array(new ArrayBuffer(3 << 20), 0, 2 << 20))).toBe(false) // a view: not its own buffer
    expect(guestRamPoolStats().buffers).toBe(stats0.buffers + 2)
  })
})

describe.runIf(existsSync(KERNEL)).each<VirtMode>(['hardware-assisted', 'trap-and-emulate'])('a VM built on a warm buffer (%s)', (mode) => {
  it('takes it, and runs exactly as a VM with fresh memory', () => {
    const plain = build(mode)
    warm(hostRamBytes({ memoryMiB: 4, mode }))
    const taken0 = guestRamPoolStats().taken
    const pooled = build(mode)
    expect(guestRamPoolStats()).toMatchObject({ taken: taken0 + 1, buffers: 0 })
    expect(fingerprint(pooled)).toBe(fingerprint(plain))
    for (let i = 0; i < 40; i++) {
      plain.step(50_000)
      pooled.step(50_000)
    }
    expect(pooled.stats().instructions).toBeGreaterThan(200_000)
    const out = Buffer.from(pooled.drainSerial()).toString('latin1')
    expect(out).toContain('dirty: working set 64 pages')
    expect(out).toBe(Buffer.from(plain.drainSerial()).toString('latin1'))
    expect(fingerprint(pooled)).toBe(fingerprint(plain))
  })
})

describe.runIf(existsSync(KERNEL))('revert into a freshly built VM', () => {
  let dir = ''
  afterEach(() => removeDir(dir))

  it('on a warm buffer takes almost no page faults; on fresh memory one per page restored', () => {
    dir = tempDir()
    const store = openSnapshotStore(dir, { clock: testClock() })
    store.createVm('k', 'kernel', { name: 'kernel' })
    // 48 MiB: above glibc's largest mmap threshold (32 MiB), so every VM's RAM is a fresh mapping; a smaller
    // buffer may come from memory the allocator kept from an earlier one and then needs no faults either
    const src = build('hardware-assisted', 48)
    randomFillSync(src.ram, 0, 12 << 20) // 3072 non-zero pages, the kernel image among them
    const snap = store.take('k', src).snapshot.id
    const revertInto = (): { faults: number; pagesRead: number } => {
      const vm = build('hardware-assisted', 48)
      const f0 = process.resourceUsage().minorPageFault
      const r = store.revert('k', snap, vm, { freshExcept: freshVmPages(elf) })
      const faults = process.resourceUsage().minorPageFault - f0
      expect(fingerprint(vm)).toBe(fingerprint(src))
      return { faults, pagesRead: r.pagesRead }
    }
    revertInto() // the first one in this process also allocates the buffer pages stream through
    const cold = revertInto()
    expect(cold.pagesRead).toBeGreaterThan(3000)
    expect(cold.faults).toBeGreaterThan(cold.pagesRead * 0.9)
    warm(hostRamBytes({ memoryMiB: 48, mode: 'hardware-assisted' }))
    const pooled = revertInto()
    expect(pooled.pagesRead).toBe(cold.pagesRead)
    expect(pooled.faults).toBeLessThan(300)
  })
})
