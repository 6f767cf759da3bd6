// Charts write their ticks, titles and legends in the app's own font (Chart.js would use Helvetica, and a
// different fallback for 简体中文 than the page). Imported for its effect by every module that draws a chart.
import { Chart } from 'chart.js'

Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily
