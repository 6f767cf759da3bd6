// VM archives over HTTP for browsers (a browser has no file paths on the server): GET /api/archives/<file>
// downloads an archive of the archive folder (snapshots.export writes it there first); POST /api/archives uploads
// one into the archive folder as upload-<id>.tar.gz (snapshots.import then imports it, with the usual name-clash
// refusal or rename, and removes it). Both sit behind the lab server's access token like everything else; an
// upload must also come from the page's own origin, and is limited to ARCHIVE_UPLOAD_MAX_BYTES.
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { ARCHIVE_DOWNLOAD_PATH, ARCHIVE_UPLOAD_MAX_BYTES, ARCHIVE_UPLOAD_PATH } from '../../shared/contract/snapshots'
import { ARCHIVE_NAME, archiveDir } from '../service/handlers/snapshots'
import type { WorkbenchService } from '../service/workbench-service'

export function isArchiveRequest(pathname: string): boolean {
  return pathname === ARCHIVE_UPLOAD_PATH || pathname.startsWith(ARCHIVE_DOWNLOAD_PATH)
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body))
}

function refuse(res: ServerResponse, status: number, code: string, params: Record<string, string | number> = {}): void {
  reply(res, status, { ok: false, error: { code, params } })
}

/** Serve one archive request; `maxBytes` limits uploads. */
export function handleArchiveRequest(service: WorkbenchService, req: IncomingMessage, res: ServerResponse, url: URL, maxBytes = ARCHIVE_UPLOAD_MAX_BYTES): void {
  const folder = archiveDir(service)
  if (req.method === 'GET' || req.method === 'HEAD') {
    const file = decodeURIComponent(url.pathname.slice(ARCHIVE_DOWNLOAD_PATH.length))
    if (!ARCHIVE_NAME.test(file)) return refuse(res, 400, 'SNAPSHOT_ARCHIVE_NAME', { file })
    let size: number
    try {
      size = statSync(join(folder, file)).size
    } catch {
      return refuse(res, 404, 'SNAPSHOT_ARCHIVE_NOT_FOUND', { file })
    }
    res.writeHead(200, {
      'content-type': 'application/gzip',
      'content-length': String(size),
      'content-disposition': `attachment; filename="${file}"`,
      'cache-control': 'no-store'
    })
    if (req.method === 'HEAD') return void res.end()
    createReadStream(join(folder, file)).pipe(res)
    return
  }
  if (req.method !== 'POST' || url.pathname !== ARCHIVE_UPLOAD_PATH) return void res.writeHead(405).end()
  const origin = req.headers.origin
  if (origin !== undefined && new URL(origin).host !== req.headers.host) return refuse(res, 403, 'PROTOCOL_MALFORMED', { detail: 'origin' })
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (declared > maxBytes) {
    refuse(res, 413, 'SNAPSHOT_UPLOAD_TOO_LARGE', { limit: maxBytes })
    req.resume()
    return
  }
  mkdirSync(folder, { recursive: true })
  const file = `upload-${randomBytes(6).toString('hex')}.tar.gz`
  const tmp = join(folder, `${file}.part`)
  const out = createWriteStream(tmp)
  let received = 0
  let failed = false
  const fail = (status: number, code: string, params: Record<string, string | number>): void => {
    if (failed) return
    failed = true
    out.destroy()
    rmSync(tmp, { force: true })
    refuse(res, status, code, params)
    req.resume()
  }
  req.on('data', (chunk: Buffer) => {
    received += chunk.length
    if (received > maxBytes) fail(413, 'SNAPSHOT_UPLOAD_TOO_LARGE', { limit: maxBytes })
  })
  req.on('aborted', () => fail(400, 'SNAPSHOT_ARCHIVE_CORRUPT', { file, reason: 'the upload was interrupted' }))
  out.on('error', (err) => fail(500, 'SNAPSHOT_ARCHIVE_CORRUPT', { file, reason: err.message }))
  out.on('finish', () => {
    if (failed) return
    renameSync(tmp, join(folder, file))
    reply(res, 200, { ok: true, file, sizeBytes: received })
  })
  req.pipe(out)
}
