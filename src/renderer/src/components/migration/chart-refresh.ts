// The redraw rhythm the migration charts share: draw once mounted, then at most chartRefreshHz times a second
// (the chart's own draw() skips when nothing changed), at once when the language or the data changes; the chart
// is destroyed with the component. useMigrationChart adds what the charts also share: the look, the canvas and
// redrawing only when the number of data items changed.
import { Chart } from 'chart.js'
import '../../chart-theme'
import type { ChartConfiguration, ChartType } from 'chart.js'
import { markRaw, onBeforeUnmount, onMounted, watch } from 'vue'
import type { Ref } from 'vue'
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

/** The options every migration chart starts from: no animation, fills its box, the legend below in small type. */
export const MIGRATION_CHART_OPTIONS = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, font: { size: 11 } } } }
} as const

/** A chart on `canvas` made from `config` once mounted; `fill` puts the current data and texts in, and runs on the
 * refresh rhythm above only when the number of items in `data` changed (always when forced). */
export function useMigrationChart<K extends ChartType>(
  canvas: Ref<HTMLCanvasElement | null>,
  config: () => ChartConfiguration<K>,
  data: () => readonly unknown[],
  fill: (chart: Chart<K>) => void
): void {
  let chart: Chart<K> | null = null
  let drawn = -1
  const draw = (force: boolean): void => {
    if (!chart || (!force && drawn === data().length)) return
    drawn = data().length
    fill(chart)
    chart.update('none')
  }
  useChartRefresh(
    () => {
      if (!canvas.value) return null
      chart = markRaw(new Chart(canvas.value, config()))
      return chart
    },
    draw,
    data
  )
}
