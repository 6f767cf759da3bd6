// One trial of the isolation lab: boot the tenants in one configuration on the real guest kernel, let the attacker
// run, and decide from the attacker's serial output whether the planted secret escaped.
//   containers          one VM, one kernel: victim (container 2) and attacker (container 1)      workload=tenants
//   containers-filtered the same with both tenants under the system call allow list                tenants.filter=1
//   vms                 two VMs on one host (one engine, one HostMemory): victim VM, attacker VM    workload=victim / attacker
// The kernel flaw is the guest's flaw.klog=1 (klog_read without its length check), in every kernel that runs; the
// VMM flaw is LeakyVirtioTransport's flawed decode in the attacker VM.
import { createVm } from '../../vmm/api'
import type { Vm } from '../../vmm/vm'
import { EXIT_REASONS } from '../../vmm/api'
import { RAM_BASE, VIRTIO_BASE } from '../../machine/board'
import { EngineError } from '../../errors'
import { HostMemory } from './host-memory'
import { LeakyVirtioTransport, type CrossingAccess, type DeviceVisit } from './leaky-transport'
import { ISOLATION_CONFIGS, type IsolationConfigName } from '../../../../shared/contract/isolation'

export { ISOLATION_CONFIGS }
export type IsolationConfig = IsolationConfigName

/** What the seeded flaw model drew for one trial (the same for every configuration). */
export interface TrialDraw {
  trial: number
  secret: string
  kernelFlawed: boolean
  vmmFlawed: boolean
  attackSeed: number
}

export interface TrialOptions {
  /** Attacker tries in the container configurations / in the attacker VM. */
  tries: number
  vmTries: number
  memoryMiB: number
}

/** The attacker's own summary line, parsed. */
export interface AttackerReport {
  found: string | null
  tries: number
  /** 'system call 1012' or 'device page 0x30001000' for a find */
  via: string | null
  /** From a 'no secret' line: system calls the attacker reached of those it aims at, denied, unknown. */
  reachable: number | null
  targets: number | null
  denied: number | null
  devicePagesRead: number | null
}

/** Where the engine found the planted secret (the victim's memory) and the host address of that memory. */
export interface SecretLocation {
  gpa: number
  hostAddress: number
  region: string
}

export interface TrialResult extends TrialDraw {
  config: IsolationConfig
  escaped: boolean
  attacker: AttackerReport
  /** The attacker's summary line as printed. */
  line: string
  /** Virtual time of the attacker's VM from the end of its kernel's boot (the 'timer:' line) to the attacker's line
   * (ns at the 1 GHz nominal clock; measured at 20,000-instruction slices). */
  virtualNs: number
  instructions: number
  /** Attack surface: exit reasons the attacker VM caused (vms only: the VMM's entry points it reached). */
  exitReasons: string[]
  /** Device registers the attacker VM can reach (vms: UART 8 + 8 virtio slots x 128 words). */
  deviceRegisters: number
  secretAt: SecretLocation | null
  /** vms with a VMM flaw: the first read that left the attacker's memory, and the reads that returned the secret. */
  firstCrossing: CrossingAccess | null
  firstIntoTenant: CrossingAccess | null
  secretReads: CrossingAccess[]
  crossings: number
  /** vms: the attacker's reads of the virtio-mmio register windows, one entry per window read. */
  deviceVisits: DeviceVisit[]
  hostRegions: { name: string; owner: string; base: number; size: number }[]
}

const SLICE = 20_000
const MAX_INSTRUCTIONS = 400_000_000
const ATTACKER_LINE = /attacker: (found (\S+) after (\d+) tries \(([^)]*)\)|no secret after (\d+) tries; (\d+) of (\d+) entry points reachable, (\d+) calls denied, \d+ unknown, (\d+) device pages read)\r?\n/

export function parseAttacker(text: string): { report: AttackerReport; line: string } | null {
  const m = ATTACKER_LINE.exec(text)
  if (!m) return null
  const line = m[0].trimEnd()
  if (m[2] !== undefined) {
    return { line, report: { found: m[2], tries: Number(m[3]), via: m[4], reachable: null, targets: null, denied: null, devicePagesRead: null } }
  }
  return {
    line,
    report: { found: null, tries: Number(m[5]), via: null, reachable: Number(m[6]), targets: Number(m[7]), denied: Number(m[8]), devicePagesRead: Number(m[9]) }
  }
}

function boot(name: string, cmdline: string, elf: Uint8Array, memoryMiB: number): Vm {
  return createVm({ name, memoryMiB, mode: 'hardware-assisted', nic: 'none', vtpm: false, cmdline }, elf) as Vm
}

/** The kernel's last boot line: the workload starts right after it. */
const BOOTED = /\ntimer: [^\n]*\n/

/** Runs `vm` until `done(serial so far)` holds; throws ISOLATION_GUEST_FAILED if it halts or runs too long.
 * `bootedAt` is the virtual time (cycles) of the slice in which the kernel finished booting. */
function runUntil(vm: Vm, done: (out: string) => boolean): { out: string; bootedAt: number } {
  const dec = new TextDecoder()
  let out = ''
  let bootedAt = -1
  for (let n = 0; n < MAX_INSTRUCTIONS; ) {
    const r = vm.step(SLICE)
    n += r.executed
    out += dec.decode(vm.drainSerial())
    if (bootedAt < 0 && BOOTED.test(out)) bootedAt = vm.virtualCycles
    if (done(out)) return { out, bootedAt: Math.max(0, bootedAt) }
    if (vm.halt || r.status === 'halted' || r.status === 'crashed') {
      throw new EngineError('ISOLATION_GUEST_FAILED', `tenant VM ${vm.config.name} stopped: ${vm.halt?.code ?? vm.halt?.kind ?? r.status}`, {
        vm: vm.config.name,
        halt: vm.halt?.code ?? vm.halt?.kind ?? r.status
      })
    }
    if (r.status === 'idle' && r.executed === 0) break
  }
  throw new EngineError('ISOLATION_GUEST_FAILED', `tenant VM ${vm.config.name} did not finish`, { vm: vm.config.name, halt: 'no output' })
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer
    return i
  }
  return -1
}

/** The engine's check: the planted secret's marker in a VM's RAM, and the host address of that byte. */
function locateSecret(host: HostMemory, owner: string, secret: string): SecretLocation | null {
  const marker = new TextEncoder().encode(`SECRET{${secret}}`)
  for (const r of host.list()) {
    if (r.owner !== owner) continue
    const at = indexOf(r.bytes, marker)
    if (at >= 0) return { gpa: (r.guestBase ?? 0) + at, hostAddress: r.base + at, region: r.name }
  }
  return null
}

function exitReasonsOf(vm: Vm): string[] {
  const s = vm.stats()
  return EXIT_REASONS.filter((r) => (s.exits[r] ?? 0) > 0)
}

/** Containers: a job's output is printed in pid order when both tenants have exited, so the victim holds its
 * secret for 1 ms and leaves (its file stays), so the job ends with the attacker; the VM victim (alone, printing
 * at once) holds it forever. */
const CONTAINERS = 'selftest=0 victim.ms=1'

/** The kernel command line of a container trial (also what QEMU gets in the cross-check and the bench). */
export function containerCmdline(config: IsolationConfig, draw: TrialDraw, tries: number): string {
  const filter = config === 'containers-filtered' ? 1 : 0
  return `${CONTAINERS} workload=tenants secret=${draw.secret} flaw.klog=${draw.kernelFlawed ? 1 : 0} tenants.filter=${filter} attack.seed=${draw.attackSeed} attack.tries=${tries}`
}

export function runTrial(config: IsolationConfig, draw: TrialDraw, elf: Uint8Array, opts: TrialOptions): TrialResult {
  const host = new HostMemory()
  const flaw = `flaw.klog=${draw.kernelFlawed ? 1 : 0}`
  let attackerVm: Vm
  let transport: LeakyVirtioTransport | null = null
  let secretAt: SecretLocation | null = null
  if (config === 'vms') {
    // Host layout, in allocation order: the victim kernel's read-only image pages (text, rodata: file-backed,
    // shareable, loaded first), the attacker VM's RAM, its transport's config buffer (allocated when its devices
    // are realized), then the victim VM's writable RAM (anonymous memory, allocated when the victim starts).
    const victim = boot('victim', `selftest=0 victim.ms=0 workload=victim secret=${draw.secret} ${flaw}`, elf, opts.memoryMiB)
    const split = Math.max(0, (victim.symbols.get('__rodata_end') ?? RAM_BASE) - RAM_BASE)
    host.add('victim-vm:kernel-image', 'victim', victim.ram.subarray(0, split), RAM_BASE)
    attackerVm = boot('attacker', `selftest=0 workload=attacker attack.devices=2 attack.seed=${draw.attackSeed} attack.tries=${opts.vmTries} ${flaw}`, elf, opts.memoryMiB)
    host.add('attacker-vm:ram', 'attacker', attackerVm.ram, RAM_BASE)
    transport = new LeakyVirtioTransport(host, 'attacker', draw.vmmFlawed)
    host.add('victim-vm:ram', 'victim', victim.ram.subarray(split), RAM_BASE + split)
    runUntil(victim, (out) => out.includes('victim: pid'))
    attackerVm.attachDevice('virtio-mmio', VIRTIO_BASE, transport.size, transport)
    secretAt = locateSecret(host, 'victim', draw.secret)
  } else {
    attackerVm = boot('tenants', containerCmdline(config, draw, opts.tries), elf, opts.memoryMiB)
    host.add('tenants-vm:ram', 'kernel', attackerVm.ram, RAM_BASE)
  }
  const { out, bootedAt } = runUntil(attackerVm, (o) => ATTACKER_LINE.test(o))
  const parsed = parseAttacker(out)
  if (!parsed) throw new EngineError('ISOLATION_GUEST_FAILED', 'no attacker line', { vm: attackerVm.config.name, halt: 'no output' })
  if (config !== 'vms') secretAt = locateSecret(host, 'kernel', draw.secret)
  const escaped = parsed.report.found === `SECRET{${draw.secret}}`
  let secretReads: CrossingAccess[] = []
  if (transport && escaped && secretAt) {
    const lo = secretAt.hostAddress
    const hi = lo + draw.secret.length + 8
    secretReads = transport.recentCrossings().filter((a) => a.hostAddress + a.size > lo && a.hostAddress < hi)
  }
  const s = attackerVm.stats()
  return {
    ...draw,
    config,
    escaped,
    attacker: parsed.report,
    line: parsed.line,
    virtualNs: s.virtualCycles - bootedAt,
    instructions: s.instructions,
    exitReasons: config === 'vms' ? exitReasonsOf(attackerVm) : [],
    deviceRegisters: config === 'vms' ? 8 + 8 * (0x200 / 4) : 0,
    secretAt,
    firstCrossing: transport?.firstCrossing ?? null,
    firstIntoTenant: transport?.firstIntoTenant ?? null,
    secretReads,
    crossings: transport?.crossings ?? 0,
    deviceVisits: transport?.visits ?? [],
    hostRegions: host.list().map((r) => ({ name: r.name, owner: r.owner, base: r.base, size: r.bytes.length }))
  }
}
