// The kernel command line the VMM boots a VM with. The VMM plays the firmware's part: it tells the kernel what the
// platform gives it, as words on the command line: `net=` for the NIC it plugged in (nic.ts) and `mem=` for the RAM
// size (the kernel does not probe memory, docs/guest.md). Shared by createVm and the attestation reference, so the
// vTPM's measured command line and the verifier's expectation are the same string.
import { bootCmdlineWords, type NicModel, type VmBoot } from '../../../shared/contract'
import { DEFAULT_CMDLINE } from '../vtpm'
import { parseElf } from '../machine/elf'
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
  const mem = words.filter((w) => w.startsWith('mem='))
  // mem= goes last (after net=), so composing an already composed line gives the same line
  return [...words.filter((w) => !w.startsWith('mem=')), ...(mem.length > 0 ? mem : [memWord(platform.memoryMiB)])].join(' ')
}

/** The command line a VM definition's boot choice asks for, before the platform words: the image's built-in line
 * (builtInCmdline; the shipped kernel's is DEFAULT_CMDLINE) plus `selftest=` / `workload=` and the workload's
 * parameters (contract/vms.ts bootCmdlineWords). */
export function bootCmdline(boot: VmBoot, builtIn: string = DEFAULT_CMDLINE): string {
  return [builtIn, ...bootCmdlineWords(boot)].filter((w) => w !== '').join(' ')
}

/** The command line built into an image: its `boot_cmdline` array (file-backed .data) up to the first NUL, or
 * DEFAULT_CMDLINE when the image has no such symbol or is no ELF (starting it then fails with the ELF's error). */
export function builtInCmdline(elf: Uint8Array): string {
  let at: number | undefined
  let segments: ReturnType<typeof parseElf>['segments'] = []
  try {
    const image = parseElf(elf)
    at = image.symbols.get('boot_cmdline')
    segments = image.segments
  } catch {
    return DEFAULT_CMDLINE
  }
  if (at === undefined) return DEFAULT_CMDLINE
  const seg = segments.find((s) => at >= s.vaddr && at < s.vaddr + s.data.length)
  if (!seg) return DEFAULT_CMDLINE
  const bytes = seg.data.subarray(at - seg.vaddr)
  const end = bytes.indexOf(0)
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end))
}
