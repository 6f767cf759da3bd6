// Shared steps of the browser tests: a headless chromium page that records the page's uncaught errors, and a
// WebSocket to the lab server for calling the service the way the renderer does.
import { chromium } from 'playwright-core'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import WebSocket from 'ws'
import { CHROMIUM } from './lab-server'
import type { RunningLab } from './lab-server'

export interface OpenPage {
  browser: Browser
  page: Page
  /** The messages of the page's uncaught errors, in order. */
  pageErrors: string[]
}

/** Launch headless chromium and open one page (1400 wide, `height` tall). */
export async function openPage(height: number, options: { acceptDownloads?: boolean } = {}): Promise<OpenPage> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless'] })
  const pageOptions: BrowserContextOptions = { viewport: { width: 1400, height } }
  if (options.acceptDownloads) pageOptions.acceptDownloads = true
  const page = await browser.newPage(pageOptions)
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  return { browser, page, pageErrors }
}

export interface CallResult {
  ok: boolean
  value?: unknown
  error?: { code: string }
}

export interface LabSocket {
  /** Send one service call and wait for its result. */
  call(command: string, payload: unknown): Promise<CallResult>
  close(): void
}

/** Open the lab server's WebSocket with its token. */
export async function connect(lab: RunningLab): Promise<LabSocket> {
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(`${lab.origin.replace('http', 'ws')}/ws?token=${lab.token}`)
    s.once('open', () => resolve(s))
    s.once('error', reject)
  })
  let nextId = 1
  return {
    call(command, payload) {
      const id = nextId++
      return new Promise((resolve) => {
        const on = (data: WebSocket.RawData): void => {
          const m = JSON.parse(data.toString()) as CallResult & { kind: string; id?: number }
          if (m.kind !== 'result' || m.id !== id) return
          ws.off('message', on)
          resolve(m)
        }
        ws.on('message', on)
        ws.send(JSON.stringify({ kind: 'call', id, command, payload }))
      })
    },
    close: () => ws.close()
  }
}
