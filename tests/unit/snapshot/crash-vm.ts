// The VM shape the crash test's child and parent agree on: every state it can reach is "the state after W writes"
// of one deterministic write stream, so the parent rebuilds the expected state of any snapshot from W alone.
import { SyntheticVm } from './synthetic-vm'

export const CRASH_VM = { pages: 48, seed: 1234, workingSet: 12, cyclesPerWrite: 1000, filledPages: 40 }

export function makeCrashVm(): SyntheticVm {
  return new SyntheticVm({ ...CRASH_VM, vtpm: true })
}
