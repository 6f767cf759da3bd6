// The isolation lab's experiment runner: N seeded trials per configuration, escape rates with Wilson intervals,
// time-to-escape, attack surface, CSV/JSON export. Runs as a generator (one yield per finished trial) so a worker
// can report progress and stop between trials.
import { EngineError } from '../../errors'
import { toCsv } from '../io/net-lab'
import { trialPrng } from './prng'
import { quantiles, wilson, type Interval, type Quantiles } from './stats'
import { ISOLATION_CONFIGS, runTrial, type IsolationConfig, type TrialDraw, type TrialResult } from './trial'

export interface IsolationParams {
  configs: IsolationConfig[]
  trials: number
  seed: number
  /** Probability that the shared kernel's entry point (klog_read) is flawed in a trial. */
  pKernelFlaw: number
  /** Probability that the VMM's device handler (the virtio-mmio transport) is flawed in a trial. */
  pVmmFlaw: number
  /** Attacker tries in the container configurations and in the attacker VM (which reads devices every 16th try). */
  tries: number
  vmTries: number
  memoryMiB: number
}

export const DEFAULT_ISOLATION_PARAMS: Readonly<IsolationParams> = Object.freeze({
  configs: [...ISOLATION_CONFIGS],
  trials: 20,
  seed: 1,
  pKernelFlaw: 0.5,
  pVmmFlaw: 0.1,
  tries: 300,
  vmTries: 1500,
  memoryMiB: 1
})

export interface AttackSurface {
  /** The boundary between the tenants: the shared kernel (containers) or the VMM (VMs). */
  boundary: 'kernel' | 'vmm'
  /** System calls the attacker reached (of those it aims at), as it reported; null if every trial escaped first. */
  systemCalls: number | null
  systemCallTargets: number
  /** VM exit reasons the attacker VM caused: the VMM's entry points it reached (VMs only). */
  exitReasons: string[]
  deviceRegisters: number
  /** Entry points of the boundary itself: system calls (containers) or exit reasons + device registers (VMs). */
  boundaryEntryPoints: number
}

export interface ConfigSummary {
  config: IsolationConfig
  trials: number
  escapes: number
  rate: number
  interval: Interval
  /** What the flaw model predicts, if the attacker finds the secret whenever its entry point is flawed. */
  predicted: number
  flawedTrials: number
  triesToEscape: Quantiles | null
  virtualMsToEscape: Quantiles | null
  attackSurface: AttackSurface
}

export interface IsolationReport {
  params: IsolationParams
  summaries: ConfigSummary[]
  trials: TrialResult[]
}

export interface IsolationProgress {
  done: number
  total: number
  config: IsolationConfig
  trial: number
  escaped: boolean
}

const TARGETS = 7

function check(name: string, ok: boolean, value: unknown): void {
  if (!ok) throw new EngineError('ISOLATION_BAD_PARAM', `isolation parameter ${name} is invalid (${String(value)})`, { name, value: String(value) })
}

export function validateParams(p: IsolationParams): void {
  check('configs', p.configs.length > 0 && p.configs.every((c) => ISOLATION_CONFIGS.includes(c)), p.configs.join(','))
  check('trials', Number.isInteger(p.trials) && p.trials >= 1 && p.trials <= 10_000, p.trials)
  check('pKernelFlaw', p.pKernelFlaw >= 0 && p.pKernelFlaw <= 1, p.pKernelFlaw)
  check('pVmmFlaw', p.pVmmFlaw >= 0 && p.pVmmFlaw <= 1, p.pVmmFlaw)
  check('tries', Number.isInteger(p.tries) && p.tries >= 1 && p.tries <= 100_000, p.tries)
  check('vmTries', Number.isInteger(p.vmTries) && p.vmTries >= 1 && p.vmTries <= 100_000, p.vmTries)
  check('seed', Number.isInteger(p.seed) && p.seed >= 0 && p.seed <= 0xffffffff, p.seed)
}

/** The flaw model's draws for trial `i`: a fresh 16-hex-digit secret, the two flaws, the attacker's seed. */
export function drawTrial(p: Pick<IsolationParams, 'seed' | 'pKernelFlaw' | 'pVmmFlaw'>, trial: number): TrialDraw {
  const g = trialPrng(p.seed, trial)
  const secret = [g.next(), g.next()].map((w) => w.toString(16).padStart(8, '0')).join('')
  const kernelFlawed = g.float() < p.pKernelFlaw
  const vmmFlawed = g.float() < p.pVmmFlaw
  const attackSeed = g.next() | 1
  return { trial, secret, kernelFlawed, vmmFlawed, attackSeed: attackSeed >>> 0 }
}

function predicted(config: IsolationConfig, p: IsolationParams): number {
  if (config === 'containers') return p.pKernelFlaw
  if (config === 'vms') return p.pVmmFlaw
  return 0 // the allow list keeps klog_read out of reach
}

export function summarize(config: IsolationConfig, rows: readonly TrialResult[], p: IsolationParams): ConfigSummary {
  const escaped = rows.filter((r) => r.escaped)
  const vms = config === 'vms'
  const reach = rows.map((r) => r.attacker.reachable).filter((x): x is number => x !== null)
  const exitReasons = [...new Set(rows.flatMap((r) => r.exitReasons))]
  const deviceRegisters = rows.reduce((m, r) => Math.max(m, r.deviceRegisters), 0)
  const systemCalls = reach.length ? Math.max(...reach) : null
  return {
    config,
    trials: rows.length,
    escapes: escaped.length,
    rate: rows.length ? escaped.length / rows.length : 0,
    interval: wilson(escaped.length, rows.length),
    predicted: predicted(config, p),
    flawedTrials: rows.filter((r) => (vms ? r.vmmFlawed : r.kernelFlawed)).length,
    triesToEscape: quantiles(escaped.map((r) => r.attacker.tries)),
    virtualMsToEscape: quantiles(escaped.map((r) => r.virtualNs / 1e6)),
    attackSurface: {
      boundary: vms ? 'vmm' : 'kernel',
      systemCalls,
      systemCallTargets: TARGETS,
      exitReasons,
      deviceRegisters,
      boundaryEntryPoints: vms ? exitReasons.length + deviceRegisters : (systemCalls ?? TARGETS)
    }
  }
}

/** Runs the experiment; yields after every trial. Same params and image → the same report. */
export function* experimentSteps(params: IsolationParams, elf: Uint8Array): Generator<IsolationProgress, IsolationReport> {
  validateParams(params)
  const trials: TrialResult[] = []
  const total = params.trials * params.configs.length
  const opts = { tries: params.tries, vmTries: params.vmTries, memoryMiB: params.memoryMiB }
  for (let i = 0; i < params.trials; i++) {
    const draw = drawTrial(params, i)
    for (const config of params.configs) {
      const r = runTrial(config, draw, elf, opts)
      trials.push(r)
      yield { done: trials.length, total, config, trial: i, escaped: r.escaped }
    }
  }
  const summaries = params.configs.map((c) => summarize(c, trials.filter((t) => t.config === c), params))
  return { params: { ...params, configs: [...params.configs] }, summaries, trials }
}

export function runExperiment(params: IsolationParams, elf: Uint8Array): IsolationReport {
  const g = experimentSteps(params, elf)
  for (;;) {
    const r = g.next()
    if (r.done) return r.value
  }
}

const TRIAL_COLUMNS = ['config', 'trial', 'kernelFlawed', 'vmmFlawed', 'attackSeed', 'escaped', 'tries', 'via', 'virtualMs', 'crossingHostAddress', 'crossingRegion'] as const
type TrialRow = Record<(typeof TRIAL_COLUMNS)[number], string | number | boolean>
const SUMMARY_COLUMNS = ['config', 'trials', 'escapes', 'rate', 'wilsonLow', 'wilsonHigh', 'predicted', 'medianTries', 'medianVirtualMs', 'boundary', 'boundaryEntryPoints'] as const
type SummaryRow = Record<(typeof SUMMARY_COLUMNS)[number], string | number>

/** CSV (RFC 4180): `#`-prefixed parameter lines, the per-configuration summary, a blank line, one row per trial.
 * The planted secrets are not exported. */
export function reportCsv(r: IsolationReport): string {
  const p = r.params
  const head = [`# seed=${p.seed}`, `# trials=${p.trials}`, `# pKernelFlaw=${p.pKernelFlaw}`, `# pVmmFlaw=${p.pVmmFlaw}`, `# tries=${p.tries}`, `# vmTries=${p.vmTries}`, `# memoryMiB=${p.memoryMiB}`]
  const summary: SummaryRow[] = r.summaries.map((s) => ({
    config: s.config,
    trials: s.trials,
    escapes: s.escapes,
    rate: s.rate,
    wilsonLow: s.interval.low,
    wilsonHigh: s.interval.high,
    predicted: s.predicted,
    medianTries: s.triesToEscape?.median ?? '',
    medianVirtualMs: s.virtualMsToEscape?.median ?? '',
    boundary: s.attackSurface.boundary,
    boundaryEntryPoints: s.attackSurface.boundaryEntryPoints
  }))
  const trials: TrialRow[] = r.trials.map((t) => ({
    config: t.config,
    trial: t.trial,
    kernelFlawed: t.kernelFlawed,
    vmmFlawed: t.vmmFlawed,
    attackSeed: t.attackSeed,
    escaped: t.escaped,
    tries: t.attacker.tries,
    via: t.attacker.via ?? '',
    virtualMs: t.virtualNs / 1e6,
    crossingHostAddress: t.secretReads[0] ? '0x' + t.secretReads[0].hostAddress.toString(16) : '',
    crossingRegion: t.secretReads[0]?.region ?? ''
  }))
  return head.join('\r\n') + '\r\n' + toCsv(summary, SUMMARY_COLUMNS) + '\r\n' + toCsv(trials, TRIAL_COLUMNS)
}

/** JSON with the parameters, summaries and trials. The planted secrets are left out; an escaped trial's attacker
 * line still shows what the attacker found (the evidence of the escape). */
export function reportJson(r: IsolationReport): string {
  return JSON.stringify({ params: r.params, summaries: r.summaries, trials: r.trials.map(({ secret: _s, ...t }) => t) }, null, 2)
}
