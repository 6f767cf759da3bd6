import { describe, expect, it } from 'vitest'
import { MessageChannel, Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import type { DirtierConfig } from './dirtier-vm'
import type { MigrationInfo } from '../../../src/main/engine/migration'

const bootstrap = fileURLToPath(new URL('./ts-worker.cjs', import.meta.url))
const tsEntry = fileURLToPath(new URL('./worker-endpoint.ts', import.meta.url))

function endpoint(role: 'source' | 'destination', port: unknown, cfg: DirtierConfig, params: object): Promise<Record<string, unknown>> {
  const w = new Worker(bootstrap, {
    workerData: { tsEntry, role, port, cfg, params, preRunCycles: 40_000_000 },
    transferList: [port as never]
  })
  return new Promise((resolve, reject) => {
    w.once('message', (m: { ok: boolean; result?: Record<string, unknown>; error?: string }) => {
      void w.terminate()
      if (m.ok && m.result) resolve(m.result)
      else reject(new Error(m.error))
    })
    w.once('error', reject)
  })
}

describe('source and destination in two worker threads (two hosts)', () => {
  for (const postcopy of [true]) {
    it(`migrates over a MessageChannel between workers (${postcopy ? 'post-copy' : 'pre-copy'})`, async () => {
      const cfg: DirtierConfig = { pages: 2048, workingSet: 1024, rate: 2000, firstPage: 100 }
      const { port1, port2 } = new MessageChannel()
      const params = { 'max-bandwidth': 12_500_000, 'postcopy-ram': postcopy }
      const [src, dst] = await Promise.all([endpoint('source', port1, cfg, params), endpoint('destination', port2, cfg, params)])
      expect(src.status).toBe('completed')
      expect(dst.status).toBe('resumed')
      expect(dst.pages).toBeGreaterThanOrEqual(cfg.pages)
      const info = src.info as MigrationInfo
      if (!postcopy) {
        // the destination's RAM equals the source's at the pause (the source never ran after it)
        expect(dst.ram).toBe(src.ram)
        expect(dst.cycles).toBe(src.cycles)
        expect(info.rounds.length).toBeGreaterThan(1)
      } else {
        expect(dst.pages).toBe(cfg.pages)
        expect(info['postcopy-requests']).toBeGreaterThan(0)
        expect(dst.cycles as number).toBeGreaterThan(src.cycles as number)
      }
    }, 30_000)
  }
})
