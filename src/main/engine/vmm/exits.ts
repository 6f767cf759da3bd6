// Exit accounting: how many exits of each reason a VM took and how many virtual cycles they cost.
import { EXIT_REASONS, type ExitReason } from './api'

export function zeroExitCounts(): Record<ExitReason, number> {
  const counts = {} as Record<ExitReason, number>
  for (const r of EXIT_REASONS) counts[r] = 0
  return counts
}

export class ExitLog {
  counts = zeroExitCounts()
  cycles = 0

  record(reason: ExitReason, cost: number): void {
    this.counts[reason]++
    this.cycles += cost
  }

  snapshot(): Record<ExitReason, number> {
    return { ...this.counts }
  }

  save(): { counts: Record<ExitReason, number>; cycles: number } {
    return { counts: this.snapshot(), cycles: this.cycles }
  }

  load(s: { counts: Record<string, number>; cycles: number }): void {
    this.counts = zeroExitCounts()
    for (const r of EXIT_REASONS) this.counts[r] = s.counts[r] ?? 0
    this.cycles = s.cycles
  }
}
