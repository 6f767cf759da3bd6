// The isolation lab's run: parameters, progress (isolation.progress events of the current run), the report,
// cancel. One run at a time, as the service allows.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { IsolationConfigName, IsolationReportDto, IsolationRunRequestDto } from '@shared/contract'
import { client } from '../api'
import { useApp } from './app'

export const useIsolation = defineStore('isolation', () => {
  const params = ref<IsolationRunRequestDto>({
    configs: ['containers', 'containers-filtered', 'vms'] as IsolationConfigName[],
    trials: 10,
    seed: 1,
    pKernelFlaw: 0.5,
    pVmmFlaw: 0.2,
    tries: 300,
    vmTries: 1500
  })
  const report = ref<IsolationReportDto | null>(null)
  const progress = ref<{ done: number; total: number } | null>(null)
  const runId = ref<string | null>(null)
  let subscribed = false
  let counter = 0

  async function run(): Promise<void> {
    if (!subscribed) {
      client.on('isolation.progress', (p) => {
        if (p.runId === runId.value) progress.value = { done: p.done, total: p.total }
      })
      subscribed = true
    }
    const id = `run-${Date.now().toString(36)}-${++counter}`
    runId.value = id
    progress.value = { done: 0, total: params.value.trials * params.value.configs.length }
    try {
      report.value = await client.call('isolation.run', { ...params.value, configs: [...params.value.configs], runId: id })
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code !== 'ISOLATION_CANCELLED') useApp().fail(err)
    } finally {
      if (runId.value === id) {
        runId.value = null
        progress.value = null
      }
    }
  }

  async function cancel(): Promise<void> {
    if (runId.value) await client.call('isolation.cancel', { runId: runId.value })
  }

  return { params, report, progress, runId, run, cancel }
})
