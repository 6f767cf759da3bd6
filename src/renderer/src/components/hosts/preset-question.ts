// The confirmation a preset load asks first (the Hosts page and the I/O planner both load presets): which hosts go,
// come and stay, or the refusal the service would give, so nobody confirms something that cannot happen.
import type { HostPreset, HostPresetPreview } from '@shared/contract'
import { WorkbenchError } from '@shared/errors'
import { i18n } from '../../i18n'

export function presetQuestion(preset: HostPreset, p: HostPresetPreview): { title: string; body: string; confirm: string } {
  const { t, locale } = i18n.global
  if (p.refusal) throw new WorkbenchError(p.refusal.code, p.refusal.params)
  const parts = [t(`hosts.preset.about.${preset}`)]
  if (p.removed.length > 0) parts.push(t('hosts.preset.removed', { names: p.removed.join(t('hosts.listSep')) }))
  if (p.added.length > 0) parts.push(t('hosts.preset.added', { names: p.added.join(t('hosts.listSep')) }))
  if (p.kept.length > 0) parts.push(t('hosts.preset.kept', { names: p.kept.join(t('hosts.listSep')) }))
  // Chinese sentences end in a full-width stop and take no space after it
  const body = parts.join(locale.value === 'zh-CN' ? '' : ' ')
  return { title: t(`hosts.preset.title.${preset}`), body, confirm: t('hosts.preset.confirm') }
}
