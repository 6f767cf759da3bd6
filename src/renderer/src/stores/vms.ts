// VMs, hosts and guest images as the service reports them, kept current by pushed events. Statistics history
// lives outside Vue's reactivity (plain arrays) with a counter views watch, so 10 Hz batches cost little.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { GuestImage, Host, VmCreateRequest, VmStatsSample, VmSummary } from '@shared/contract'
import { client } from '../api'

export const HISTORY = 120

export interface StatsHistory {
  wallMs: number[]
  ips: number[]
  dirty: number[]
  exits: Map<string, number[]>
  /** Virtual cycles at each sample (for the virtual ÷ wall ratio over the window). */
  virtual: number[]
  last: VmStatsSample | null
  /** The VM moved host (its wall clock restarted, its virtual clock did not): a single sample's totals do not pair. */
  moved: boolean
}

type SerialListener = (bytes: Uint8Array) => void

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

export const useVms = defineStore('vms', () => {
  const list = ref<VmSummary[]>([])
  const hosts = ref<Host[]>([])
  const images = ref<GuestImage[]>([])
  const loaded = ref(false)
  /** Bumped when new statistics arrive; views redraw on their own schedule. */
  const statsVersion = ref(0)
  const history = shallowRef(new Map<string, StatsHistory>())
  const serialListeners = new Map<string, Set<SerialListener>>()

  const byId = computed(() => new Map(list.value.map((v) => [v.id, v])))

  function upsert(vm: VmSummary): void {
    const i = list.value.findIndex((v) => v.id === vm.id)
    if (i >= 0) list.value.splice(i, 1, vm)
    else list.value.push(vm)
  }

  function record(s: VmStatsSample): void {
    let h = history.value.get(s.id)
    if (!h || (h.wallMs.length > 0 && s.wallMs < (h.wallMs.at(-1) ?? 0))) {
      const moved = !!h?.last && s.virtualCycles >= h.last.virtualCycles
      h = { wallMs: [], ips: [], dirty: [], exits: new Map(), virtual: [], last: null, moved }
      history.value.set(s.id, h)
    }
    const push = (arr: number[], v: number): void => {
      arr.push(v)
      if (arr.length > HISTORY) arr.shift()
    }
    push(h.wallMs, s.wallMs)
    push(h.ips, s.rates.instructionsPerSec)
    push(h.dirty, s.rates.dirtyPagesPerSec)
    push(h.virtual, s.virtualCycles)
    for (const [reason, rate] of Object.entries(s.rates.exitsPerSec)) {
      let arr = h.exits.get(reason)
      if (!arr) h.exits.set(reason, (arr = new Array<number>(Math.max(0, h.wallMs.length - 1)).fill(0)))
      push(arr, rate)
    }
    h.last = s
  }

  function subscribe(): void {
    client.on('vm.state', (vm) => {
      upsert(vm)
      void refreshHosts()
    })
    client.on('vm.removed', ({ id }) => {
      list.value = list.value.filter((v) => v.id !== id)
      history.value.delete(id)
      void refreshHosts()
    })
    client.on('hosts.changed', (e) => (hosts.value = e.hosts))
    client.on('vms.tick', (tick) => {
      for (const s of tick.stats) record(s)
      for (const chunk of tick.serial) {
        const set = serialListeners.get(chunk.id)
        if (set && set.size > 0) {
          const bytes = decodeBase64(chunk.bytes)
          for (const l of set) l(bytes)
        }
      }
      if (tick.stats.length > 0) statsVersion.value++
    })
  }

  async function load(): Promise<void> {
    subscribe()
    const [vms, hs, imgs] = await Promise.all([client.call('vms.list', {}), client.call('hosts.list', {}), client.call('images.list', {})])
    list.value = vms
    hosts.value = hs
    images.value = imgs
    loaded.value = true
  }

  async function refreshHosts(): Promise<void> {
    hosts.value = await client.call('hosts.list', {})
  }

  async function create(req: VmCreateRequest): Promise<VmSummary> {
    const vm = await client.call('vms.create', req)
    upsert(vm)
    return vm
  }

  async function action(kind: 'start' | 'pause' | 'resume' | 'stop', id: string): Promise<void> {
    const vm = await client.call(`vms.${kind}`, { id })
    upsert(vm)
  }

  async function remove(id: string): Promise<void> {
    await client.call('vms.delete', { id })
    list.value = list.value.filter((v) => v.id !== id)
  }

  /** Console output of one VM: the scrollback first, then live bytes. Returns an unsubscribe function. */
  function onSerial(id: string, listener: SerialListener): () => void {
    let set = serialListeners.get(id)
    if (!set) serialListeners.set(id, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  async function serialHistory(id: string): Promise<Uint8Array> {
    return decodeBase64((await client.call('vms.serialHistory', { id })).bytes)
  }

  /** The last sample of a VM this page has not seen a tick for (an idle guest sends none until it wakes up). */
  async function latestStats(id: string): Promise<void> {
    if (history.value.get(id)?.last) return
    const s = await client.call('vms.stats', { id })
    if (s && !history.value.get(id)?.last) {
      record(s)
      statsVersion.value++
    }
  }

  async function type(id: string, text: string): Promise<void> {
    await client.call('vms.sendSerial', { id, text })
  }

  return { list, hosts, images, loaded, statsVersion, history, byId, load, refreshHosts, create, action, remove, onSerial, serialHistory, latestStats, type }
})
