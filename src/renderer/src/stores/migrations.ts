// Live migrations: the records the service pushes (migration.progress), the engine's parameter defaults, and the
// actions of the Migrate dialog and the progress view. A record's progress never runs backwards in the view:
// an update older than what is shown (lower percent or less transferred) is ignored.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { FullMigrationParams, MigrationParamsInput, MigrationRecord } from '@shared/contract'
import { client } from '../api'

function newer(a: MigrationRecord, b: MigrationRecord): boolean {
  if (b.finished !== a.finished) return b.finished
  return b.info.transferred >= a.info.transferred && b.info.percent >= a.info.percent
}

export const useMigrations = defineStore('migrations', () => {
  const records = ref<MigrationRecord[]>([])
  const defaults = ref<FullMigrationParams | null>(null)
  const selected = ref<string | null>(null)
  let subscribed = false

  const active = computed(() => records.value.filter((r) => !r.finished))
  const current = computed(() => records.value.find((r) => r.id === selected.value) ?? records.value.at(-1) ?? null)

  function upsert(r: MigrationRecord): void {
    const i = records.value.findIndex((x) => x.id === r.id)
    if (i < 0) records.value.push(r)
    else if (newer(records.value[i], r)) records.value.splice(i, 1, r)
  }

  async function load(): Promise<void> {
    if (!subscribed) {
      client.on('migration.progress', upsert)
      subscribed = true
    }
    const [list, d] = await Promise.all([client.call('migrations.list', {}), client.call('migrations.defaults', {})])
    for (const r of list) upsert(r)
    defaults.value = d
  }

  async function preflight(vmId: string, targetHostId: string) {
    return (await client.call('migrations.preflight', { vmId, targetHostId })).reasons
  }

  /** Why this VM cannot migrate anywhere now (empty: the Migrate button is enabled). */
  async function blockers(vmId: string) {
    return (await client.call('migrations.blockers', { vmId })).reasons
  }

  /** The latest migration of a VM (running or finished), or null. */
  function latestOf(vmId: string): MigrationRecord | null {
    return records.value.findLast((r) => r.vmId === vmId) ?? null
  }

  async function start(vmId: string, targetHostId: string, params: MigrationParamsInput): Promise<MigrationRecord> {
    const r = await client.call('migrations.start', { vmId, targetHostId, params })
    upsert(r)
    selected.value = r.id
    return r
  }

  async function cancel(id: string): Promise<void> {
    upsert(await client.call('migrations.cancel', { id }))
  }

  async function dropLink(id: string): Promise<void> {
    upsert(await client.call('migrations.dropLink', { id }))
  }

  /** Saves the history as a file through the browser (works in Electron and in the lab server's page). */
  async function exportHistory(format: 'csv' | 'json'): Promise<void> {
    const file = await client.call('migrations.export', { format })
    const url = URL.createObjectURL(new Blob([file.text], { type: file.mime }))
    const a = document.createElement('a')
    a.href = url
    a.download = file.filename
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  }

  return { records, defaults, selected, active, current, load, preflight, blockers, latestOf, start, cancel, dropLink, exportHistory }
})
