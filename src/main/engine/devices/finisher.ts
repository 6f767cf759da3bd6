// SiFive test finisher (QEMU virt "sifive_test"): a write of 0x5555 powers off with status 0, (code<<16)|0x3333
// powers off with `code`, 0x7777 requests a reset. Other values are ignored, as on QEMU.
import type { MmioDevice } from '../machine/bus'

export const FINISHER_PASS = 0x5555
export const FINISHER_FAIL = 0x3333
export const FINISHER_RESET = 0x7777

export type FinisherEvent = { kind: 'poweroff'; exitCode: number } | { kind: 'reset' }

export class Finisher implements MmioDevice {
  constructor(private readonly onEvent: (e: FinisherEvent) => void) {}

  read(): number {
    return 0
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (offset !== 0) return
    const low = value & 0xffff
    if (low === FINISHER_PASS) this.onEvent({ kind: 'poweroff', exitCode: 0 })
    else if (low === FINISHER_FAIL) this.onEvent({ kind: 'poweroff', exitCode: value >>> 16 })
    else if (low === FINISHER_RESET) this.onEvent({ kind: 'reset' })
  }

  saveState(): Record<string, never> {
    return {}
  }

  loadState(): void {}
}
