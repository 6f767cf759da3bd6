// The isolation lab's guest side on QEMU: two containers on one kernel escape only through the kernel flaw
// (flaw.klog=1), never without it, not under the system call filter, and not when the attacker runs alone (the
// two-VM configuration: the secret lives in another machine).
import { describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { checkTool, toolAvailable } from '../io/tools'
import { runQemu } from './qemu'

const kernel = resolve(__dirname, '../../../resources/guest/kernel.elf')
const qemu = checkTool('qemu-system-riscv32', 'qemu-system-misc')
const SECRET = '5eed0f7a11c0ffee'

function attackerLine(output: string): string {
  const line = output.split('\n').find((l) => l.startsWith('attacker: '))
  expect(line, 'the attacker reports').toBeDefined()
  return line!
}

const boot = (args: string) => runQemu(kernel, { append: `selftest=0 secret=${SECRET} ${args} halt=1` })

describe.skipIf(!toolAvailable(qemu))('isolation tenants on QEMU', () => {
  it('containers without a kernel flaw: no escape, every entry point reachable', async () => {
    const r = await boot('workload=tenants attack.seed=7 attack.tries=2000')
    expect(r.output).toContain(`cmdline: selftest=0 secret=(hidden) workload=tenants`)
    expect(r.output).toContain('victim: pid 1 in its container, holding a 24-byte secret\n')
    const line = attackerLine(r.output)
    expect(line).toMatch(/^attacker: no secret after 2000 tries; 7 of 7 entry points reachable, 0 calls denied, \d+ unknown, 0 device pages read$/)
    expect(r.output).not.toContain(SECRET)
    expect(r.status).toBe(0)
  })

  it('containers with the klog bounds check missing: the attacker reads the victim secret', async () => {
    const r = await boot('workload=tenants flaw.klog=1 attack.seed=7 attack.tries=2000')
    const m = /^attacker: found SECRET\{([0-9a-f]+)\} after (\d+) tries \(system call 1012\)$/.exec(attackerLine(r.output))
    expect(m).not.toBeNull()
    expect(m![1]).toBe(SECRET)
    expect(Number(m![2])).toBeLessThanOrEqual(2000)
  })

  it('the system call filter closes the flawed entry point', async () => {
    const r = await boot('workload=tenants flaw.klog=1 tenants.filter=1 attack.seed=7 attack.tries=2000')
    const m = /^attacker: no secret after 2000 tries; (\d+) of 7 entry points reachable, (\d+) calls denied, 0 unknown, 0 device pages read$/.exec(
      attackerLine(r.output)
    )
    expect(m).not.toBeNull()
    expect(Number(m![1])).toBe(5) // klog_read and netinfo are not on the allow list
    expect(Number(m![2])).toBeGreaterThan(0)
    expect(r.output).not.toContain(SECRET)
  })

  it('an attacker alone in its machine finds nothing even with the flaw and device reads (the secret is in the other VM)', async () => {
    const r = await boot('workload=attacker flaw.klog=1 attack.devices=2 attack.seed=7 attack.tries=2000')
    const m = /^attacker: no secret after 2000 tries; .*, (\d+) device pages read$/.exec(attackerLine(r.output))
    expect(m).not.toBeNull()
    expect(Number(m![1])).toBe(125) // every 16th of 2000 tries reads a device's registers
    expect(r.output).not.toContain('victim:')
  })
})
