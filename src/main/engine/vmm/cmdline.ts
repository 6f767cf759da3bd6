// The kernel command line the VMM boots a VM with. The VMM plays the firmware's part: it tells the kernel what the
// platform gives it, as words on the command line: `net=` for the NIC it plugged in (nic.ts) and `mem=` for the RAM
// size (the kernel does not probe memory, docs/guest.md). Shared by createVm and the attestation reference, so the
// vTPM's measured command line and the verifier's expectation are the same string.
import { bootCmdlineWords, type NicModel, type VmBoot } from '../../../shared/contract'
import { DEFAULT_CMDLINE } from '../vtpm'
import { nicCmdline } from './nic'

/** The `mem=` word for a VM of memoryMiB. */
export function memWord(memoryMiB: number): string {
  return `mem=${memoryMiB}M`
}

/** `cmdline` (or the kernel's built-in line) with the platform's words: `net=` for `nic`, and `mem=` for the RAM
 * size unless the line already says `mem=` (an explicit limit wins, as Linux's `mem=` caps what firmware reports). */
export function vmmCmdline(cmdline: string | undefined, platform: { nic: NicModel; memoryMiB: number }): string {
  const withNet = nicCmdline(cmdline, platform.nic, DEFAULT_CMDLINE) ?? cmdline ?? DEFAULT_CMDLINE
  const words = withNet.split(' ').filter((w) => w !== '')
  if (!words.some((w) => w.startsWith('mem='))) words.push(memWord(platform.memoryMiB))
  return words.join(' ')
}

/** The command line a VM definition's boot choice asks for, before the platform words: the kernel's built-in line
 * plus `selftest=` / `workload=` and the workload's parameters (contract/vms.ts bootCmdlineWords). */
export function bootCmdline(boot: VmBoot): string {
  return [DEFAULT_CMDLINE, ...bootCmdlineWords(boot)].join(' ')
}
