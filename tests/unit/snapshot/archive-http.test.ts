// VM archives for browsers through the lab server's HTTP endpoints, with the real VMM: export writes the archive
// into the archive folder and GET /api/archives/<file> downloads exactly those bytes; POST /api/archives uploads
// it back (token needed, same origin only, size limit) and snapshots.import imports it, refusing the name clash
// first and renaming when asked, then removes the upload.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { snapshotHandlers as h, archiveDir } from '../../../src/main/service/handlers/snapshots'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import { startLabServer } from '../../../src/main/server/lab-server'
import { GUEST_DIR, ROOT } from '../service/helpers'

const dataDir = mkdtempSync(join(tmpdir(), 'wb-archttp-'))
const service = new WorkbenchService({ dataDir, guestDir: GUEST_DIR, hostWorker: sourceWorkerEntry(ROOT) })
afterAll(async () => {
  await service.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe.runIf(existsSync(join(GUEST_DIR, 'kernel.elf')))('archive download and upload over HTTP', () => {
  it('downloads, uploads with the token and a size limit, imports with the clash refused then renamed', async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'wb-static-'))
    const lab = await startLabServer({ service, staticDir, maxUploadBytes: 8 << 20 })
    const base = `http://127.0.0.1:${lab.port}`
    const auth = { authorization: `Bearer ${lab.token}` }
    try {
      const vm = service.create({ name: 'shared', memoryMiB: 16, vcpus: 1, image: 'kernel.elf', mode: 'hardware-assisted', nic: 'none', vtpm: false, hostId: 'host-a' })
      await service.start(vm.id)
      await h['snapshots.take']({ vmId: vm.id, description: 'for the class', live: false }, service)
      await service.stop(vm.id)
      const ex = await h['snapshots.export']({ vmId: vm.id }, service)

      expect((await fetch(`${base}/api/archives/${ex.file}`)).status).toBe(401)
      const down = await fetch(`${base}/api/archives/${ex.file}`, { headers: auth })
      expect(down.status).toBe(200)
      expect(down.headers.get('content-disposition')).toBe(`attachment; filename="${ex.file}"`)
      const bytes = Buffer.from(await down.arrayBuffer())
      expect(bytes.equals(readFileSync(ex.path))).toBe(true)
      expect((await fetch(`${base}/api/archives/..%2Fsecret.tar.gz`, { headers: auth })).status).toBe(400)
      expect((await fetch(`${base}/api/archives/none.tar.gz`, { headers: auth })).status).toBe(404)

      // uploads: the token, the page's own origin, the size limit
      expect((await fetch(`${base}/api/archives`, { method: 'POST', body: bytes })).status).toBe(401)
      const foreign = await fetch(`${base}/api/archives`, { method: 'POST', body: bytes, headers: { ...auth, origin: 'http://evil.example' } })
      expect(foreign.status).toBe(403)
      const big = await fetch(`${base}/api/archives`, { method: 'POST', body: Buffer.alloc(9 << 20), headers: auth })
      expect(big.status).toBe(413)
      expect(await big.json()).toEqual({ ok: false, error: { code: 'SNAPSHOT_UPLOAD_TOO_LARGE', params: { limit: 8 << 20 } } })
      const up = await fetch(`${base}/api/archives`, { method: 'POST', body: bytes, headers: auth })
      const stored = (await up.json()) as { ok: true; file: string; sizeBytes: number }
      expect(stored).toMatchObject({ ok: true, sizeBytes: bytes.length })
      expect(stored.file).toMatch(/^upload-[0-9a-f]{12}\.tar\.gz$/)
      expect(readdirSync(archiveDir(service)).filter((f) => f.endsWith('.part'))).toEqual([])

      await expect(h['snapshots.import']({ file: stored.file, rename: false }, service)).rejects.toMatchObject({ code: 'SNAPSHOT_IMPORT_VM_EXISTS', params: { vm: 'shared' } })
      const imported = await h['snapshots.import']({ file: stored.file, rename: true }, service)
      expect(imported.name).toBe('shared (2)')
      expect((await h['snapshots.list']({ vmId: imported.id }, service)).snapshots.map((s) => s.description)).toEqual(['for the class'])
      expect(existsSync(join(archiveDir(service), stored.file))).toBe(false) // the upload was only a way in
      expect(existsSync(ex.path)).toBe(true)

      // a damaged upload is refused naming the uploaded file (not a server path) and removed
      const junk = await fetch(`${base}/api/archives`, { method: 'POST', body: bytes.subarray(0, 100), headers: auth })
      const junkFile = ((await junk.json()) as { file: string }).file
      await expect(h['snapshots.import']({ file: junkFile, rename: false }, service)).rejects.toMatchObject({ code: 'SNAPSHOT_ARCHIVE_CORRUPT', params: { file: junkFile } })
      expect(existsSync(join(archiveDir(service), junkFile))).toBe(false)
    } finally {
      await lab.close()
      rmSync(staticDir, { recursive: true, force: true })
    }
  }, 180_000)
})
