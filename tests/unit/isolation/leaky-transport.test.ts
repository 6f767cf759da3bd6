import { describe, expect, it } from 'vitest'
import { HostMemory } from '../../../src/main/engine/labs/isolation/host-memory'
import { CONFIG_BUFFER_SIZE, LeakyVirtioTransport } from '../../../src/main/engine/labs/isolation/leaky-transport'

function host(): { mem: HostMemory; victim: Uint8Array } {
  const mem = new HostMemory()
  mem.add('attacker-vm:ram', 'attacker', new Uint8Array(8192), 0x8000_0000)
  const victim = new Uint8Array(8192)
  return { mem, victim }
}

describe('LeakyVirtioTransport', () => {
  it('correct model: eight empty virtio-mmio slots, config space reads 0, nothing crosses', () => {
    const { mem, victim } = host()
    const t = new LeakyVirtioTransport(mem, 'attacker', false)
    victim.set([0x41, 0x42], 0)
    mem.add('victim-vm:ram', 'victim', victim, 0x8000_0000)
    for (let slot = 0; slot < 8; slot++) {
      expect(t.read(slot * 0x1000, 4)).toBe(0x74726976)
      expect(t.read(slot * 0x1000 + 4, 4)).toBe(2)
      expect(t.read(slot * 0x1000 + 8, 4)).toBe(0) // DeviceID 0: no device
      for (let off = 0x100; off < 0x1000; off += 4) expect(t.read(slot * 0x1000 + off, 4)).toBe(0)
    }
    expect(t.crossings).toBe(0)
  })

  it('flawed model: the unchecked cursor walks past its buffer into the next region and logs it', () => {
    const { mem, victim } = host()
    const t = new LeakyVirtioTransport(mem, 'attacker', true)
    mem.add('victim-vm:ram', 'victim', victim, 0x8000_0000)
    victim.set(new TextEncoder().encode('SECRET{x}'), 16)
    const words: number[] = []
    // the buffer's page (4096 bytes) and 32 more bytes, in word reads at slot 2's config space
    for (let i = 0; i < 4096 / 4 + 8; i++) words.push(t.read(0x2100, 4))
    const bytes = new Uint8Array(new Uint32Array(words).buffer)
    expect(new TextDecoder().decode(bytes.subarray(4096 + 16, 4096 + 25))).toBe('SECRET{x}')
    expect(t.firstCrossing?.read).toBe(CONFIG_BUFFER_SIZE / 4 + 1)
    expect(t.firstCrossing?.owner).toBe('host')
    const into = t.firstIntoTenant!
    expect(into.region).toBe('victim-vm:ram')
    expect(into.hostAddress).toBe(t.configBuffer.base + 4096)
    expect(into.ownerGpa).toBe(0x8000_0000)
    expect(into.slot).toBe(2)
    expect(into.offset).toBe(0x100)
    const s = t.recentCrossings().find((a) => a.ownerGpa === 0x8000_0010)!
    expect(s.bytes).toBe('53454352') // "SECR"
  })
})
