// The contract: schemas accept what they should and refuse the rest with error codes the UI can translate;
// the typed client and the service's dispatcher agree end to end over an in-memory transport.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { WorkbenchClient } from '../../../src/shared/client'
import { VmCreateSchema, commands, events, isCommandName } from '../../../src/shared/contract'
import { WorkbenchError, toErrorPayload } from '../../../src/shared/errors'
import { ServerMessageSchema } from '../../../src/shared/protocol'
import type { ResultMessage, Transport } from '../../../src/shared/protocol'
import { EngineError } from '../../../src/main/engine/errors'
import { dispatch } from '../../../src/main/service/dispatch'
import { WorkbenchService } from '../../../src/main/service/workbench-service'

const valid = { name: 'lab vm_1.a-b', memoryMiB: 64, vcpus: 2, image: 'kernel.elf', mode: 'trap-and-emulate', nic: 'virtio', vtpm: true, hostId: 'host-a' }

function reason(input: unknown): string | undefined {
  const r = VmCreateSchema.safeParse(input)
  return r.success ? undefined : r.error.issues[0]?.message
}

describe('VmCreateSchema', () => {
  it('accepts a valid request and trims the name', () => {
    expect(VmCreateSchema.parse({ ...valid, name: '  web-1 ' }).name).toBe('web-1')
    expect(reason(valid)).toBeUndefined()
  })
  it('refuses bad input with a translatable code', () => {
    expect(reason({ ...valid, name: '' })).toBe('VM_NAME_REQUIRED')
    expect(reason({ ...valid, name: 'x'.repeat(41) })).toBe('VM_NAME_TOO_LONG')
    expect(reason({ ...valid, name: '-leading-dash' })).toBe('VM_NAME_FORMAT')
    expect(reason({ ...valid, name: 'semi;colon' })).toBe('VM_NAME_FORMAT')
    expect(reason({ ...valid, memoryMiB: 15 })).toBe('VM_MEMORY_RANGE')
    expect(reason({ ...valid, memoryMiB: 1025 })).toBe('VM_MEMORY_RANGE')
    expect(reason({ ...valid, memoryMiB: 64.5 })).toBe('VM_MEMORY_RANGE')
    expect(reason({ ...valid, memoryMiB: Number.NaN })).toBe('VM_MEMORY_RANGE')
    expect(reason({ ...valid, vcpus: 0 })).toBe('VM_VCPUS_RANGE')
    expect(reason({ ...valid, vcpus: 9 })).toBe('VM_VCPUS_RANGE')
    expect(reason({ ...valid, image: '../../etc/passwd' })).toBe('VM_IMAGE_REQUIRED')
    expect(reason({ ...valid, hostId: 'Host A' })).toBe('ID_FORMAT')
    expect(VmCreateSchema.safeParse({ ...valid, mode: 'paravirt' }).success).toBe(false)
    expect(VmCreateSchema.safeParse({ ...valid, extra: 1 }).success).toBe(false)
  })
})

describe('contract maps', () => {
  it('declares a request and response schema for every command and a payload schema for every event', () => {
    for (const [name, def] of Object.entries(commands)) {
      expect(typeof def.request.safeParse, name).toBe('function')
      expect(typeof def.response.safeParse, name).toBe('function')
      expect(isCommandName(name)).toBe(true)
    }
    for (const def of Object.values(events)) expect(typeof def.payload.safeParse).toBe('function')
    expect(isCommandName('toString')).toBe(false)
    expect(isCommandName('__proto__')).toBe(false)
  })

  it('validates server messages', () => {
    expect(ServerMessageSchema.safeParse({ kind: 'result', id: 1, ok: true, value: 3 }).success).toBe(true)
    expect(ServerMessageSchema.safeParse({ kind: 'result', id: 1, ok: false, error: { code: 'X', params: {} } }).success).toBe(true)
    expect(ServerMessageSchema.safeParse({ kind: 'result', id: 1, ok: false }).success).toBe(false)
    expect(ServerMessageSchema.safeParse({ kind: 'event', event: 'vm.state' }).success).toBe(false)
  })
})

describe('errors', () => {
  it('keeps the code and scalar params of coded errors and hides everything else', () => {
    expect(toErrorPayload(new EngineError('ELF_BAD_MAGIC', 'bad magic', { offset: 0 }))).toEqual({ code: 'ELF_BAD_MAGIC', params: { offset: 0 } })
    expect(toErrorPayload(new WorkbenchError('VM_NOT_FOUND', { id: 'x', nested: { a: 1 } as unknown as string }))).toEqual({ code: 'VM_NOT_FOUND', params: { id: 'x' } })
    expect(toErrorPayload(new Error('ENOENT: /secret/path'))).toEqual({ code: 'INTERNAL_ERROR', params: {} })
    // Node's system errors are internals: hidden, with their paths
    expect(toErrorPayload(Object.assign(new Error('open /secret'), { code: 'ENOENT', errno: -2, path: '/secret' }))).toEqual({ code: 'INTERNAL_ERROR', params: {} })
  })
})

describe('client ↔ dispatcher over an in-memory transport', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wb-contract-'))
  const service = new WorkbenchService({ dataDir, guestDir: join(dataDir, 'none'), hostWorker: { kind: 'bundle', file: '/nonexistent' } })
  const eventListeners = new Set<(e: string, p: unknown) => void>()
  const transport: Transport = {
    call: async (command, payload) => (await dispatch(service, { kind: 'call', id: 1, command, payload })) as ResultMessage,
    onEvent: (l) => {
      eventListeners.add(l)
      return () => eventListeners.delete(l)
    }
  }
  service.onEvent((e, p) => eventListeners.forEach((l) => l(e, p)))
  const client = new WorkbenchClient(transport)
  afterAll(async () => {
    client.close()
    await service.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('returns typed values, raises WorkbenchError with the code, and drops events that fail their schema', async () => {
    const hosts = await client.call('hosts.list', {})
    expect(hosts.map((h) => `${h.id}:${h.cores}:${h.iommu}`)).toEqual(['host-a:4:true', 'host-b:2:false'])
    const err = await client.call('vms.start', { id: 'ghost' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WorkbenchError)
    expect(err).toMatchObject({ code: 'VM_NOT_FOUND', params: { id: 'ghost' } })

    const seen: string[] = []
    client.on('settings.changed', (s) => seen.push(s.language))
    await client.call('settings.update', { language: 'zh-CN' })
    eventListeners.forEach((l) => l('settings.changed', { language: 'fr' }))
    eventListeners.forEach((l) => l('no.such.event', {}))
    expect(seen).toEqual(['zh-CN'])
    expect(await client.call('settings.get', {})).toEqual({ language: 'zh-CN', chartRefreshHz: 4 })
  })
})
