// The VM definition's boot choice in the contract: what the wizard may send (numbers validated with codes the UI
// translates), its default, the words it puts on the kernel command line, and VMs saved before it existed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bootCmdline, builtInCmdline } from '../../../src/main/engine/vmm/cmdline'
import { VmRegistry } from '../../../src/main/service/vm-registry'
import { BOOT_KINDS, bootCmdlineWords, maxDirtyPages, VmBootSchema, VmCreateSchema, VmSetBootSchema } from '../../../src/shared/contract'
import { ElfImage } from '../guest/elf-image'

const base = { name: 'lab', memoryMiB: 64, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'virtio', vtpm: false, hostId: 'host-a' }
const reason = (input: unknown): string | undefined => {
  const r = VmBootSchema.safeParse(input)
  return r.success ? undefined : r.error.issues[0]?.message
}
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('boot choice in the contract', () => {
  it('defaults to the shell alone when a create request leaves it out', () => {
    expect(VmCreateSchema.parse(base).boot).toEqual({ kind: 'shell' })
    expect(VmCreateSchema.parse({ ...base, boot: { kind: 'web' } }).boot).toEqual({ kind: 'web' })
  })

  it('validates the numbers with translatable codes', () => {
    expect(reason({ kind: 'dirty', pages: 0, rate: 10, spin: false })).toBe('VM_BOOT_DIRTY_PAGES')
    expect(reason({ kind: 'dirty', pages: 1.5, rate: 10, spin: false })).toBe('VM_BOOT_DIRTY_PAGES')
    expect(reason({ kind: 'dirty', pages: 262_145, rate: 10, spin: false })).toBe('VM_BOOT_DIRTY_PAGES')
    expect(reason({ kind: 'dirty', pages: 10, rate: -1, spin: false })).toBe('VM_BOOT_DIRTY_RATE')
    expect(reason({ kind: 'dirty', pages: 10, rate: 1_000_001, spin: false })).toBe('VM_BOOT_DIRTY_RATE')
    expect(reason({ kind: 'cpu', iters: 0 })).toBe('VM_BOOT_CPU_ITERS')
    expect(reason({ kind: 'cpu', iters: Number.NaN })).toBe('VM_BOOT_CPU_ITERS')
    expect(reason({ kind: 'dirty', pages: 10, rate: 0, spin: true })).toBeUndefined()
    // no stray fields, no unknown kinds
    expect(VmBootSchema.safeParse({ kind: 'web', iters: 3 }).success).toBe(false)
    expect(VmBootSchema.safeParse({ kind: 'reboot-loop' }).success).toBe(false)
    expect(VmSetBootSchema.safeParse({ id: 'vm-1', boot: { kind: 'selftest' } }).success).toBe(true)
  })

  it('a working set fits next to the kernel: 40 MiB in 64 MiB, not in 16 MiB', () => {
    expect(maxDirtyPages(64)).toBe(64 * 256 - 512)
    expect(maxDirtyPages(64)).toBeGreaterThanOrEqual(10240)
    expect(maxDirtyPages(16)).toBeLessThan(10240)
    expect(maxDirtyPages(1024)).toBe(1024 * 256 - 512)
  })

  it('puts the documented words on the command line, after the image’s own line', () => {
    const words = Object.fromEntries(
      BOOT_KINDS.map((k) => [k, bootCmdlineWords(k === 'dirty' ? { kind: k, pages: 7, rate: 0, spin: true } : k === 'cpu' ? { kind: k, iters: 9 } : { kind: k }).join(' ')])
    )
    expect(words).toEqual({
      shell: 'selftest=0',
      web: 'selftest=0 workload=web',
      dirty: 'selftest=0 workload=dirty dirty.pages=7 dirty.rate=0 dirty.spin=1',
      cpu: 'selftest=0 workload=cpu cpu.iters=9',
      selftest: 'selftest=1'
    })
    const kernel = new Uint8Array(readFileSync(join(__dirname, '../../../resources/guest/kernel.elf')))
    expect(builtInCmdline(kernel)).toBe('console=ttyS0')
    // an image that carries its own line keeps it in front of the boot choice's words
    const own = new ElfImage(kernel).withCmdline('quiet loglevel=3')
    expect(bootCmdline({ kind: 'web' }, builtInCmdline(own))).toBe('quiet loglevel=3 selftest=0 workload=web')
    expect(builtInCmdline(new Uint8Array(64))).toBe('console=ttyS0')
  })

  it('VMs saved before the choice existed load with the self-test, as they booted then', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-legacy-'))
    dirs.push(dir)
    const old = { id: 'old-1', name: 'old', memoryMiB: 32, vcpus: 2, image: 'kernel.elf', mode: 'trap-and-emulate', nic: 'none', vtpm: false, hostId: 'host-a', seq: 1 }
    writeFileSync(join(dir, 'vms.json'), JSON.stringify({ version: 1, nextSeq: 2, vms: [old] }))
    const reg = new VmRegistry(dir)
    expect(reg.get('old-1')).toEqual({ ...old, boot: { kind: 'selftest' } })
    reg.update('old-1', { boot: { kind: 'cpu', iters: 5 } })
    expect(new VmRegistry(dir).get('old-1').boot).toEqual({ kind: 'cpu', iters: 5 })
  })
})
