// One line saying what a VM runs at boot (the VM list, the VM page header, the wizard's review).
import type { VmBoot } from '@shared/contract'
import { grouped } from '../../format'

type Translate = (key: string, params?: Record<string, unknown>) => string

/** 4 KiB pages as KiB/MiB text. */
export function pagesSize(pages: number): string {
  const kib = pages * 4
  return kib >= 1024 ? `${grouped(Math.round((kib / 1024) * 10) / 10)} MiB` : `${grouped(kib)} KiB`
}

export function bootSummary(t: Translate, boot: VmBoot): string {
  switch (boot.kind) {
    case 'dirty': {
      const size = pagesSize(boot.pages)
      const base =
        boot.rate === 0
          ? t('vms.boot.summary.dirtyFlat', { pages: grouped(boot.pages), size })
          : t('vms.boot.summary.dirty', { pages: grouped(boot.pages), size, rate: grouped(boot.rate) })
      return boot.spin ? base + t('vms.boot.summary.dirtySpin') : base
    }
    case 'cpu':
      return t('vms.boot.summary.cpu', { iters: grouped(boot.iters) })
    default:
      return t(`vms.boot.summary.${boot.kind}`)
  }
}
