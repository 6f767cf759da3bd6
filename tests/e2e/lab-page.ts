// One lab session for a whole browser-test file: the lab server, a socket to it and one chromium page, started
// before the enclosing suite's tests and stopped after them (apart from browser.ts so scripts that only want
// openPage/connect, such as screenshot helpers, need not load vitest).
import type { Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { connect, openPage } from './browser'
import type { LabSocket, OpenPage } from './browser'
import { startLab } from './lab-server'
import type { RunningLab } from './lab-server'

export interface LabPage {
  readonly lab: RunningLab
  readonly ws: LabSocket
  readonly page: Page
  /** The messages of the page's uncaught errors, in order. */
  readonly pageErrors: string[]
}

/** For a whole test file: a lab server, a socket to it and one chromium page, started before the enclosing suite's
 * tests and stopped after them. Call it inside the `describe` (so a skipped suite starts nothing). */
export function labPage(height: number, options: { acceptDownloads?: boolean; prepare?: (dataDir: string) => void } = {}): LabPage {
  let lab: RunningLab | undefined
  let ws: LabSocket | undefined
  let opened: OpenPage | undefined
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('labPage: used before its beforeAll ran')
    return v
  }
  beforeAll(async () => {
    lab = await startLab(options.prepare)
    ws = await connect(lab)
    opened = await openPage(height, { acceptDownloads: options.acceptDownloads })
  }, 120_000)
  afterAll(async () => {
    ws?.close()
    await opened?.browser.close()
    await lab?.stop()
  })
  return {
    get lab() {
      return need(lab)
    },
    get ws() {
      return need(ws)
    },
    get page() {
      return need(opened).page
    },
    get pageErrors() {
      return need(opened).pageErrors
    }
  }
}
