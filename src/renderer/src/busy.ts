// One guarded action at a time: `busy` is true while it runs; a failure is shown through the app's error notice
// (translated) and the action resolves to undefined instead of throwing.
import { ref, type Ref } from 'vue'
import { useApp } from './stores/app'

export function useBusyRun(): { busy: Ref<boolean>; run: <T>(fn: () => Promise<T>) => Promise<T | undefined> } {
  const app = useApp()
  const busy = ref(false)
  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    busy.value = true
    try {
      return await fn()
    } catch (err) {
      app.fail(err)
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { busy, run }
}
