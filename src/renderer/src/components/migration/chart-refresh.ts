// The redraw rhythm the migration charts share: draw once mounted, then at most chartRefreshHz times a second
// (the chart's own draw() skips when nothing changed), at once when the language or the data changes; the chart
// is destroyed with the component.
import { onBeforeUnmount, onMounted, watch } from 'vue'
import { useI18n } from 'vue-i18n'
import { useApp } from '../../stores/app'

export function useChartRefresh(create: () => { destroy(): void } | null, draw: (force: boolean) => void, data: () => unknown): void {
  const { locale } = useI18n()
  const app = useApp()
  let chart: { destroy(): void } | null = null
  let timer: ReturnType<typeof setInterval> | null = null
  onMounted(() => {
    chart = create()
    if (!chart) return
    draw(true)
    timer = setInterval(() => draw(false), 1000 / app.settings.chartRefreshHz)
  })
  watch(locale, () => draw(true))
  watch(data, () => draw(true))
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer)
    chart?.destroy()
    chart = null
  })
}
