// What a freshly built VM's RAM holds before anything ran: its image's segments and nothing else (the RAM buffer
// starts zeroed and the loader writes only the segments, the command line included). A revert into such a VM
// can skip every page outside them (store.revert's freshExcept): those are zero, and touching them would only
// cost page faults.
import { RAM_BASE } from '../machine/board'
import { parseElf } from '../machine/elf'
import { PAGE_SIZE } from '../vmm/vm-state'

/** Page ranges [first, end) of guest RAM that loading `elf` wrote (merged, ascending). */
export function freshVmPages(elf: Uint8Array): [number, number][] {
  const ranges = parseElf(elf)
    .segments.filter((s) => s.memsz > 0)
    .map((s): [number, number] => [Math.floor((s.paddr - RAM_BASE) / PAGE_SIZE), Math.ceil((s.paddr - RAM_BASE + s.memsz) / PAGE_SIZE)])
    .sort((a, b) => a[0] - b[0])
  const out: [number, number][] = []
  for (const r of ranges) {
    const last = out[out.length - 1]
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1])
    else out.push([Math.max(0, r[0]), r[1]])
  }
  return out
}
