// The boot choice as a form holds it (numbers as typed) and back: shared by the wizard and the edit dialog.
import { BOOT_DEFAULTS } from '@shared/contract'
import type { BootKind, VmBoot } from '@shared/contract'

export interface BootParamsForm {
  pages: number | string
  rate: number | string
  spin: boolean
  iters: number | string
}

export function toNumber(v: number | string): number {
  return typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v)
}

/** The form's values for `boot` (defaults for the parameters it does not have). */
export function bootParamsOf(boot: VmBoot | null): BootParamsForm {
  return {
    pages: boot?.kind === 'dirty' ? boot.pages : BOOT_DEFAULTS.dirtyPages,
    rate: boot?.kind === 'dirty' ? boot.rate : BOOT_DEFAULTS.dirtyRate,
    spin: boot?.kind === 'dirty' ? boot.spin : false,
    iters: boot?.kind === 'cpu' ? boot.iters : BOOT_DEFAULTS.cpuIters
  }
}

/** The boot choice the form describes (unchecked: validate it with VmBootSchema). */
export function bootOf(kind: BootKind, p: BootParamsForm): VmBoot {
  if (kind === 'dirty') return { kind, pages: toNumber(p.pages), rate: toNumber(p.rate), spin: p.spin }
  if (kind === 'cpu') return { kind, iters: toNumber(p.iters) }
  return { kind }
}
