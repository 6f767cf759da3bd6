// UI responsiveness while guests run: the VM detail page (console + three live charts) in Debian's chromium,
// against the built lab server, with two guests busy on the host worker — compared with the same page while the
// guests are paused (the peer, same run). Target: no frame over 100 ms.
//   npm run build && npx tsx bench/ui-frames.ts
import { chromium } from 'playwright-core'
import type { Page } from 'playwright-core'
import WebSocket from 'ws'
import { startLab } from '../tests/e2e/lab-server'

const SECONDS = 8

function rpc(ws: WebSocket, command: string, payload: unknown): Promise<unknown> {
  const id = Math.floor(Math.random() * 1e9)
  return new Promise((resolve, reject) => {
    const on = (d: WebSocket.RawData): void => {
      const m = JSON.parse(d.toString()) as { kind: string; id?: number; ok?: boolean; value?: unknown; error?: unknown }
      if (m.kind !== 'result' || m.id !== id) return
      ws.off('message', on)
      if (m.ok) resolve(m.value)
      else reject(new Error(JSON.stringify(m.error)))
    }
    ws.on('message', on)
    ws.send(JSON.stringify({ kind: 'call', id, command, payload }))
  })
}

/** Frame intervals (ms) measured with requestAnimationFrame, plus long tasks, over `seconds`. */
async function frames(page: Page, seconds: number): Promise<{ max: number; p99: number; count: number; longTasks: number }> {
  // runs in the page (browser globals), so it is passed as source text
  const script = `(async (ms) => {
    const gaps = []
    let longTasks = 0
    const obs = new PerformanceObserver((list) => (longTasks += list.getEntries().filter((e) => e.duration > 100).length))
    obs.observe({ type: 'longtask', buffered: false })
    await new Promise((done) => {
      let last = performance.now()
      const end = last + ms
      const tick = (t) => {
        gaps.push(t - last)
        last = t
        if (t < end) requestAnimationFrame(tick)
        else done()
      }
      requestAnimationFrame(tick)
    })
    obs.disconnect()
    gaps.sort((a, b) => a - b)
    return { max: gaps[gaps.length - 1], p99: gaps[Math.floor(gaps.length * 0.99)], count: gaps.length, longTasks }
  })(${seconds * 1000})`
  return page.evaluate(script) as Promise<{ max: number; p99: number; count: number; longTasks: number }>
}

async function main(): Promise<void> {
  const lab = await startLab()
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] })
  try {
    const ws = new WebSocket(`${lab.origin.replace('http', 'ws')}/ws?token=${lab.token}`)
    await new Promise((r) => ws.once('open', r))
    const ids: string[] = []
    for (const [name, mode] of [['bench-te', 'trap-and-emulate'], ['bench-hw', 'hardware-assisted']]) {
      const vm = (await rpc(ws, 'vms.create', { name, memoryMiB: 32, vcpus: 1, image: 'kernel.elf', mode, nic: 'none', vtpm: false, hostId: 'host-a' })) as { id: string }
      await rpc(ws, 'vms.start', { id: vm.id })
      ids.push(vm.id)
    }
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.goto(`${lab.url}`)
    await page.goto(`${lab.origin}/#/vms/${ids[0]}`)
    await page.locator('[data-testid=vm-detail]').waitFor()
    const text = (): Promise<string> => page.locator('[data-testid=console] .xterm-rows').innerText()
    for (let i = 0; i < 240 && !(await text()).includes('wb$'); i++) await page.waitForTimeout(250)
    // keep both guests busy and printing
    for (const id of ids) await rpc(ws, 'vms.sendSerial', { id, text: 'run dirty dirty.pages=64 dirty.rate=5000 dirty.passes=0\r' })
    await page.waitForTimeout(1000)
    const running = await frames(page, SECONDS)
    for (const id of ids) await rpc(ws, 'vms.pause', { id })
    await page.waitForTimeout(500)
    const idle = await frames(page, SECONDS)
    ws.close()
    console.log(`ui-max-frame-guests-running: ${running.max.toFixed(1)} ms`)
    console.log(`ui-p99-frame-guests-running: ${running.p99.toFixed(1)} ms`)
    console.log(`ui-long-tasks-over-100ms-guests-running: ${running.longTasks} count`)
    console.log(`ui-frames-guests-running: ${running.count} frames in ${SECONDS} s`)
    console.log(`ui-max-frame-guests-paused: ${idle.max.toFixed(1)} ms`)
    console.log(`ui-p99-frame-guests-paused: ${idle.p99.toFixed(1)} ms`)
    console.log(`ratio-p99-running-vs-paused: ${(running.p99 / idle.p99).toFixed(2)} x`)
    console.log(`target-max-frame-under-100ms: ${running.max < 100 ? 'met' : 'missed'}`)
  } finally {
    await browser.close()
    await lab.stop()
  }
}

void main()
