// The lab server's gatekeeping and robustness, over plain HTTP and WebSocket: no token or a wrong one is
// refused; malformed payloads get typed errors and the server keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT, missingPrerequisite, startLab } from './lab-server'
import type { RunningLab } from './lab-server'

const skip = missingPrerequisite()
let lab: RunningLab

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

function next(ws: WebSocket, pred: (m: { kind: string; id?: number }) => boolean = () => true): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData): void => {
      const m = JSON.parse(data.toString()) as { kind: string; id?: number }
      if (m.kind === 'event' || !pred(m)) return
      ws.off('message', on)
      resolve(m as Record<string, unknown>)
    }
    ws.on('message', on)
  })
}

describe.skipIf(skip !== null)(`lab server protocol${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    lab = await startLab()
  })
  afterAll(async () => {
    await lab?.stop()
  })

  it('a second lab server on the same data folder refuses to start and says why; the first keeps serving', async () => {
    const second = spawn(process.execPath, [join(ROOT, 'out/main/lab.js'), '--data-dir', lab.dataDir, '--port', '0'], { cwd: ROOT })
    let err = ''
    second.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const code = await new Promise<number | null>((r) => second.once('exit', r))
    expect(code).toBe(1)
    expect(err).toContain(`The data folder ${lab.dataDir} is in use by another VMM Workbench (process ${lab.proc.pid})`)
    expect(err).toContain('数据文件夹')
    const res = await fetch(lab.url, { redirect: 'manual' }) // the first one still answers its token link
    expect(res.status).toBeLessThan(400)
  })

  it('refuses HTTP requests without the token or with a wrong one', async () => {
    expect((await fetch(`${lab.origin}/`)).status).toBe(401)
    expect((await fetch(`${lab.origin}/?token=wrong-${lab.token}`)).status).toBe(401)
    expect((await fetch(`${lab.origin}/index.html`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401)
    // the right token: a cookie hand-off, then the page with a strict CSP
    const first = await fetch(lab.url, { redirect: 'manual' })
    expect(first.status).toBe(302)
    const cookie = first.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/HttpOnly/)
    const page = await fetch(`${lab.origin}/`, { headers: { cookie: cookie.split(';')[0] } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toContain('<div id="app">')
  })

  it('refuses WebSocket connections without the right token', async () => {
    const wsBase = lab.origin.replace('http', 'ws')
    await expect(connect(`${wsBase}/ws`)).rejects.toThrow('HTTP 401')
    await expect(connect(`${wsBase}/ws?token=${lab.token}x`)).rejects.toThrow('HTTP 401')
    const ok = await connect(`${wsBase}/ws?token=${lab.token}`)
    ok.close()
  })

  it('answers malformed payloads with typed errors and keeps serving', async () => {
    const ws = await connect(`${lab.origin.replace('http', 'ws')}/ws?token=${lab.token}`)
    ws.send('this is not json')
    expect(await next(ws)).toEqual({ kind: 'error', error: { code: 'PROTOCOL_MALFORMED', params: { detail: 'json' } } })
    ws.send(JSON.stringify({ hello: 'world' }))
    expect(await next(ws)).toMatchObject({ kind: 'error', error: { code: 'PROTOCOL_MALFORMED' } })
    ws.send(JSON.stringify({ kind: 'call', id: 1, command: 'vms.destroyEverything', payload: {} }))
    expect(await next(ws, (m) => m.id === 1)).toEqual({ kind: 'result', id: 1, ok: false, error: { code: 'COMMAND_UNKNOWN', params: { command: 'vms.destroyEverything' } } })
    ws.send(JSON.stringify({ kind: 'call', id: 2, command: 'vms.create', payload: { name: 42, memoryMiB: -1 } }))
    expect(await next(ws, (m) => m.id === 2)).toEqual({
      kind: 'result',
      id: 2,
      ok: false,
      error: { code: 'REQUEST_INVALID', params: { command: 'vms.create', field: 'name', reason: 'invalid_type' } }
    })
    ws.send(JSON.stringify({ kind: 'call', id: 3, command: 'vms.start', payload: { id: '../../etc/passwd' } }))
    expect(await next(ws, (m) => m.id === 3)).toMatchObject({ ok: false, error: { code: 'REQUEST_INVALID', params: { field: 'id', reason: 'ID_FORMAT' } } })
    ws.send(Buffer.from([1, 2, 3]), { binary: true })
    expect(await next(ws)).toMatchObject({ kind: 'error', error: { code: 'PROTOCOL_MALFORMED', params: { detail: 'binary' } } })
    // still serving, on this connection and on a new one
    ws.send(JSON.stringify({ kind: 'call', id: 4, command: 'hosts.list', payload: {} }))
    const hosts = await next(ws, (m) => m.id === 4)
    expect(hosts).toMatchObject({ ok: true })
    expect((hosts.value as { id: string }[]).map((h) => h.id)).toEqual(['host-a', 'host-b'])
    ws.close()
    const again = await connect(`${lab.origin.replace('http', 'ws')}/ws?token=${lab.token}`)
    again.send(JSON.stringify({ kind: 'call', id: 9, command: 'app.info', payload: {} }))
    expect(await next(again, (m) => m.id === 9)).toMatchObject({ ok: true, value: { name: 'VMM Workbench' } })
    again.close()
    expect(lab.proc.exitCode).toBeNull()
  })
})
