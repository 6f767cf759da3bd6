// The lab server: the built renderer over HTTP and the workbench service over WebSocket, behind a random access
// token. A browser opens http://HOST:PORT/?token=T once; the server answers with an HttpOnly SameSite=Strict
// cookie, so later requests (assets, the WebSocket) carry it. Other clients may pass ?token=T (or a Bearer
// header) on every request. A missing or wrong token gets HTTP 401, also for the WebSocket handshake, which is
// refused before any frame is exchanged.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import type { RawData } from 'ws'
import type { ServerMessage } from '../../shared/protocol'
import { dispatchText, protocolError } from '../service/dispatch'
import type { WorkbenchService } from '../service/workbench-service'
import { serveStatic } from './static-files'
import { handleArchiveRequest, isArchiveRequest } from './archive-http'

export interface LabServerOptions {
  service: WorkbenchService
  /** The built renderer (out/renderer). */
  staticDir: string
  host?: string
  port?: number
  token?: string
  /** Largest VM archive upload accepted (default ARCHIVE_UPLOAD_MAX_BYTES). */
  maxUploadBytes?: number
}

export interface LabServer {
  readonly url: string
  readonly port: number
  readonly token: string
  close(): Promise<void>
}

const COOKIE = 'wb_token'
/** Events for a client whose socket is this far behind are dropped (results never are). */
const MAX_BUFFERED = 4 * 1024 * 1024

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token')
  if (q) return q
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7)
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=')
    if (k === COOKIE && v) return v
  }
  return null
}

function sameToken(a: string | null, b: string): boolean {
  if (a === null) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export async function startLabServer(opts: LabServerOptions): Promise<LabServer> {
  const token = opts.token ?? newToken()
  const host = opts.host ?? '127.0.0.1'
  const { service } = opts

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (!sameToken(tokenOf(req, url), token)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' }).end('401: this lab server needs the access token printed when it started\n')
      return
    }
    if (isArchiveRequest(url.pathname)) {
      handleArchiveRequest(service, req, res, url, opts.maxUploadBytes)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end()
      return
    }
    if (url.searchParams.has('token')) {
      // remember the token in a cookie and drop it from the address bar
      res.writeHead(302, { 'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`, location: url.pathname })
      res.end()
      return
    }
    void serveStatic(opts.staticDir, url.pathname, req.headers.host ?? host, res)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const origin = req.headers.origin
    const originOk = origin === undefined || new URL(origin).host === req.headers.host
    if (url.pathname !== '/ws' || !sameToken(tokenOf(req, url), token) || !originOk) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  const send = (ws: WebSocket, msg: ServerMessage): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg))
  }

  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        send(ws, protocolError('binary'))
        return
      }
      void dispatchText(service, data.toString()).then((reply) => send(ws, reply))
    })
    ws.on('error', () => ws.terminate())
  })

  const unsubscribe = service.onEvent((event, payload) => {
    const text = JSON.stringify({ kind: 'event', event, payload })
    for (const ws of wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue
      if (event === 'vms.tick' && ws.bufferedAmount > MAX_BUFFERED) continue
      ws.send(text)
    }
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host

  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe()
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((r) => wss.close(() => r()))
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}
