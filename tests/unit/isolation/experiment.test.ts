// The isolation lab on the real guest kernel: escapes counted only when the planted secret is in the attacker's
// output. Small trials (1 MiB guests, few tries) keep the area fast.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { drawTrial, reportCsv, reportJson, runExperiment, type IsolationParams } from '../../../src/main/engine/labs/isolation/experiment'
import { runTrial } from '../../../src/main/engine/labs/isolation/trial'
import { wilson } from '../../../src/main/engine/labs/isolation/stats'

const elf = new Uint8Array(readFileSync(join(__dirname, '../../../resources/guest/kernel.elf')))
const base: IsolationParams = {
  configs: ['containers', 'containers-filtered', 'vms'],
  trials: 4,
  seed: 11,
  pKernelFlaw: 0,
  pVmmFlaw: 0,
  tries: 150,
  vmTries: 1500,
  memoryMiB: 1
}

describe('isolation experiment', () => {
  it('no flaws: zero escapes in every configuration', () => {
    const r = runExperiment({ ...base, trials: 5, tries: 120, vmTries: 400 }, elf)
    expect(r.trials).toHaveLength(15)
    for (const s of r.summaries) {
      expect(s.escapes).toBe(0)
      expect(s.interval.low).toBe(0)
    }
    // the attacker really ran: it reports how far it got; the VMM saw its window reads (UART pages not counted)
    for (const t of r.trials) expect(t.attacker.found).toBeNull()
    for (const t of r.trials.filter((x) => x.config === 'vms')) {
      expect(t.deviceVisits.length).toBeGreaterThan(0)
      expect(t.deviceVisits.length).toBeLessThanOrEqual(t.attacker.devicePagesRead!)
      expect(t.deviceVisits.every((v) => v.hostStart === null)).toBe(true)
    }
    const filtered = r.summaries.find((s) => s.config === 'containers-filtered')!
    const open = r.summaries.find((s) => s.config === 'containers')!
    expect(filtered.attackSurface.systemCalls).toBeLessThan(open.attackSurface.systemCalls!)
    const vms = r.summaries.find((s) => s.config === 'vms')!
    expect(vms.attackSurface.exitReasons).toContain('mmio')
    expect(vms.attackSurface.deviceRegisters).toBe(8 + 8 * 128)
  }, 60_000)

  it('kernel flaw only: containers escape, filtered containers and VMs do not', () => {
    const r = runExperiment({ ...base, trials: 3, pKernelFlaw: 1 }, elf)
    const by = Object.fromEntries(r.summaries.map((s) => [s.config, s]))
    expect(by.containers.escapes).toBe(3)
    expect(by['containers-filtered'].escapes).toBe(0)
    expect(by.vms.escapes).toBe(0)
    for (const t of r.trials.filter((x) => x.config === 'containers')) {
      expect(t.attacker.found).toBe(`SECRET{${t.secret}}`)
      expect(t.attacker.via).toBe('system call 1012')
      expect(t.secretAt?.region).toBe('tenants-vm:ram')
    }
    for (const t of r.trials.filter((x) => x.config === 'vms')) {
      // the secret is in the victim VM's memory, never in the attacker's; the VMM read nothing across
      expect(t.secretAt?.region).toBe('victim-vm:ram')
      expect(t.crossings).toBe(0)
    }
  }, 60_000)

  it('VMM flaw: VMs escape and the crossing access is recorded', () => {
    const r = runExperiment({ ...base, configs: ['containers', 'vms'], trials: 2, pVmmFlaw: 1 }, elf)
    const vms = r.trials.filter((t) => t.config === 'vms')
    expect(vms.every((t) => t.escaped)).toBe(true)
    expect(r.trials.filter((t) => t.config === 'containers').every((t) => !t.escaped)).toBe(true)
    for (const t of vms) {
      expect(t.attacker.via).toMatch(/^device page 0x3000[1-8]000$/)
      expect(t.firstIntoTenant?.region).toBe('victim-vm:ram')
      expect(t.secretReads.length).toBeGreaterThan(0)
      // the attacker's window reads as the transport saw them: the last one reached the victim's RAM
      const last = t.deviceVisits.at(-1)!
      expect(last.regions).toContain('victim-vm:ram')
      expect(t.deviceVisits[0].regions[0]).toBe('attacker-vm:virtio-config-buffer')
      expect(t.deviceVisits.every((v) => v.reads === 128)).toBe(true)
      // the bytes the flawed handler returned, in host address order, contain the secret's digits
      const bytes = t.secretReads.map((a) => a.bytes).join('')
      const text = Buffer.from(bytes, 'hex').toString('latin1')
      expect(text).toContain(t.secret.slice(0, 4))
      for (const a of t.secretReads) {
        expect(a.owner).toBe('victim')
        expect(a.ownerGpa).toBe(a.hostAddress - t.secretAt!.hostAddress + t.secretAt!.gpa)
      }
    }
  }, 60_000)

  it('same seed gives identical results; another seed gives other secrets', () => {
    const p = { ...base, configs: ['containers' as const], trials: 3, pKernelFlaw: 0.5 }
    const a = runExperiment(p, elf)
    const b = runExperiment(p, elf)
    expect(reportJson(a)).toBe(reportJson(b))
    expect(reportCsv(a)).toBe(reportCsv(b))
    expect(drawTrial({ ...p, seed: 12 }, 0).secret).not.toBe(drawTrial(p, 0).secret)
    const csv = reportCsv(a)
    expect(csv).toContain('# seed=11')
    expect(csv.split('\r\n').filter((l) => l.startsWith('containers,')).length).toBe(1 + 3)
    expect(csv).not.toContain(a.trials[0].secret)
  }, 60_000)

  it('escape rates fall inside the Wilson interval predicted by the flaw model', () => {
    const p = { ...base, configs: ['containers' as const, 'vms' as const], trials: 14, pKernelFlaw: 0.4, pVmmFlaw: 0.3, seed: 3 }
    const r = runExperiment(p, elf)
    for (const s of r.summaries) {
      const flawed = r.trials.filter((t) => t.config === s.config && (s.config === 'vms' ? t.vmmFlawed : t.kernelFlawed)).length
      expect(s.escapes).toBe(flawed) // every flawed trial escaped, no unflawed one did
      expect(s.flawedTrials).toBe(flawed)
      expect(s.interval.low).toBeLessThanOrEqual(s.predicted)
      expect(s.interval.high).toBeGreaterThanOrEqual(s.predicted)
    }
    expect(r.summaries.map((s) => s.predicted)).toEqual([0.4, 0.3])
  }, 60_000)

  it('an escape needs the planted secret, not any SECRET{...} text', () => {
    const draw = { trial: 0, secret: '0000000000000000', kernelFlawed: false, vmmFlawed: false, attackSeed: 7 }
    const t = runTrial('containers', draw, elf, { tries: 50, vmTries: 50, memoryMiB: 1 })
    expect(t.escaped).toBe(false)
    expect(t.line).toMatch(/^attacker: no secret after 50 tries/)
  }, 30_000)
})

describe('Wilson interval', () => {
  it('matches published values', () => {
    // Brown, Cai & DasGupta (2001): n = 10, k = 5 → [0.2366, 0.7634]; k = 0 → [0, 0.2775]
    const a = wilson(5, 10)
    expect(a.low).toBeCloseTo(0.2366, 4)
    expect(a.high).toBeCloseTo(0.7634, 4)
    const b = wilson(0, 10)
    expect(b.low).toBe(0)
    expect(b.high).toBeCloseTo(0.2775, 4)
  })
})
