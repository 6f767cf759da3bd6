// The guest kernel's `web` workload on QEMU's own virtio-net-device (the independent implementation): QEMU's
// socket netdev carries the wire as UDP datagrams on 127.0.0.1, and this test's socket is the client at the far
// end. The client retries a request until it is answered (the first ones may arrive before the driver is up).
import { spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { macFromString } from '../../../src/main/engine/network/frame'
import { WEB_OP_RESPONSE, buildWebRequest, parseWebFrame } from '../../../src/main/engine/network/web-protocol'
import { checkTool, toolAvailable } from '../io/tools'

const ELF = resolve(__dirname, '../../../resources/guest/kernel.elf')
const qemu = checkTool('qemu-system-riscv32', 'qemu-system-misc')
const GUEST_MAC = '52:54:00:12:34:56'
const CLIENT_MAC = macFromString('02:00:00:00:00:c1')
const REQUESTS = 5

describe.skipIf(!existsSync(ELF) || !toolAvailable(qemu))('web workload on QEMU virtio-net-device', () => {
  it('answers every request once, with its id and a counter, then exits', async () => {
    const sock = dgram.createSocket('udp4')
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
    const mine = sock.address().port
    // QEMU's end: a free port picked by binding a throwaway socket
    const probe = dgram.createSocket('udp4')
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()))
    const theirs = probe.address().port
    probe.close()
    const child = spawn('qemu-system-riscv32', [
      ...['-machine', 'virt', '-bios', 'none', '-nographic', '-global', 'virtio-mmio.force-legacy=false'],
      ...['-kernel', ELF, '-append', `selftest=0 workload=web web.requests=${REQUESTS} halt=1`],
      ...['-netdev', `socket,id=n0,udp=127.0.0.1:${mine},localaddr=127.0.0.1:${theirs}`, '-device', `virtio-net-device,netdev=n0,mac=${GUEST_MAC}`]
    ])
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const answers = new Map<number, number[]>()
    sock.on('message', (m: Buffer) => {
      const w = parseWebFrame(new Uint8Array(m))
      if (!w || w.op !== WEB_OP_RESPONSE) return
      answers.set(w.id, [...(answers.get(w.id) ?? []), w.counter])
      expect(m.subarray(0, 6)).toEqual(Buffer.from(CLIENT_MAC))
      expect(m.subarray(6, 12)).toEqual(Buffer.from(macFromString(GUEST_MAC)))
    })
    let id = 1
    const sent: number[] = []
    // one request in flight at a time; an unanswered one is given up after 200 ms and the next id is sent
    const timer = setInterval(() => {
      if (sent.length && !answers.has(sent[sent.length - 1]) && Date.now() - lastSend < 200) return
      sent.push(id)
      lastSend = Date.now()
      sock.send(buildWebRequest(macFromString(GUEST_MAC), CLIENT_MAC, id++, 0), theirs, '127.0.0.1')
    }, 10)
    let lastSend = 0
    const status = await new Promise<number | null>((done) => {
      const kill = setTimeout(() => child.kill(), 30_000)
      child.on('exit', (code) => {
        clearTimeout(kill)
        done(code)
      })
    })
    clearInterval(timer)
    sock.close()
    const text = out.replace(/\r\n/g, '\n')
    expect(text).toContain(`web: serving on virtio-net ${GUEST_MAC} (ethertype 0x88b6), ${REQUESTS} requests\n`)
    expect(text).toContain(`web: answered ${REQUESTS} requests, ignored 0 frames\n`)
    expect(status).toBe(0)
    // the counters 1..N, each id answered once
    const counters = [...answers.values()]
    expect(counters.every((c) => c.length === 1)).toBe(true)
    expect(counters.map((c) => c[0]).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5])
  }, 40_000)
})
