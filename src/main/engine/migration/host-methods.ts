// Migration inside a host worker: the host methods that start a source or a destination endpoint on this host.
// While it migrates, the VM is detached from the host's scheduler (the migration runs it in virtual time); a
// source VM comes back to the scheduler when the migration is cancelled or fails in pre-copy, a destination VM
// joins the scheduler when it resumes here. Endpoint events (progress, serial output, the load client's latency
// samples, outcome) go to the service on a separate MessagePort, so the host's batch protocol stays as it is.
// A VM whose NIC is on the host network and answers the web protocol gets a load client for the migration
// (load-client.ts); the client moves to the destination over a third port at the switchover.
import type { MessagePort } from 'node:worker_threads'
import type { VmConfig, VmInstance } from '../vmm/api'
import type { PostcopyTarget } from '../vmm/vm-state'
import type { DestinationOffer, VmDescriptor } from './blockers'
import { channelFromPort } from './channel'
import { MigrationDestination, type DestinationEvent } from './destination'
import { announceVm, FrozenPort, MigrationLoadClient, PROBE_NS, requestInterval, type ClientHandoff, type ClientNetwork, type ClientReport } from './load-client'
import { NicSafePostcopyVm } from './postcopy-dma'
import { resolveMigrationParams, type MigrationParams } from './params'
import { MigrationSource, type MigrationOutcome } from './source'
import type { MigrationInfo } from './stats'

/** At most this many further probe windows while the host network's clock catches up with the probe. */
const PROBE_CATCH_UP_STEPS = 50

/** What a host runtime must offer the migration (HostRuntime implements it). */
export interface MigrationHost {
  /** Take the VM out of the scheduler without stopping it; the caller now drives it. */
  detach(vmId: string): VmInstance
  /** Put a VM (back) into the scheduler, running. */
  adopt(vmId: string, vm: VmInstance): void
  /** Build a VM from its config and image, without scheduling it; with `vmId` its NIC is on this host's network. */
  build(config: VmConfig, elf: Uint8Array, vmId?: string): VmInstance
  /** The VM left this host for good (migrated away): free its switch port and VF. */
  release?(vmId: string, vm: VmInstance): void
  /** The host's network (VM NICs, switch), when the host has one. */
  readonly network?: ClientNetwork
}

export type MigrationEndpointEvent =
  | { type: 'progress'; migrationId: string; info: MigrationInfo }
  | { type: 'serial'; migrationId: string; vmId: string; bytes: Uint8Array }
  | { type: 'source-done'; migrationId: string; status: MigrationOutcome['status']; info: MigrationInfo; sourceVmUsable: boolean }
  | { type: 'dest-event'; migrationId: string; event: DestinationEvent }
  | { type: 'dest-done'; migrationId: string; status: 'resumed' | 'refused' | 'discarded' | 'failed'; code: string | null }
  | { type: 'client'; migrationId: string; report: ClientReport }

export interface MigrationHostMethods {
  'migration.source': {
    args: {
      migrationId: string
      vmId: string
      hostId: string
      /** This end of the link to the destination host. */
      link: MessagePort
      /** Where endpoint events go (the service holds the other end). */
      events: MessagePort
      params: Partial<MigrationParams>
      descriptor: VmDescriptor
      /** Where the load client goes at the switchover (the destination holds the other end); without it, no client. */
      clientLink?: MessagePort
    }
    result: null
  }
  'migration.destination': {
    args: {
      migrationId: string
      vmId: string
      link: MessagePort
      events: MessagePort
      offer: DestinationOffer
      config: VmConfig
      elf: Uint8Array
      /** The source's load client arrives here (one message: a ClientHandoff, or null for none). */
      clientLink?: MessagePort
    }
    result: null
  }
  'migration.cancel': { args: { migrationId: string }; result: null }
  'migration.dropLink': { args: { migrationId: string }; result: null }
}

const activeSources = new Map<string, MigrationSource>()

function flushSerial(events: MessagePort, migrationId: string, vmId: string, vm: VmInstance): void {
  const bytes = vm.drainSerial()
  if (bytes.length > 0) events.postMessage({ type: 'serial', migrationId, vmId, bytes } satisfies MigrationEndpointEvent)
}

function isPostcopyTarget(vm: VmInstance): vm is VmInstance & PostcopyTarget {
  const p = vm as Partial<PostcopyTarget>
  return typeof p.beginPostcopy === 'function' && typeof p.installPage === 'function' && typeof p.endPostcopy === 'function'
}

/** Closes `port` once every named part is done. */
function closeWhenDone(port: MessagePort, parts: string[]): (part: string) => void {
  const open = new Set(parts)
  return (part) => {
    open.delete(part)
    if (open.size === 0) port.close()
  }
}

export function startSourceEndpoint(host: MigrationHost, a: MigrationHostMethods['migration.source']['args']): void {
  const vm = host.detach(a.vmId)
  const post = (e: MigrationEndpointEvent): void => a.events.postMessage(e)
  const report = (r: ClientReport): void => post({ type: 'client', migrationId: a.migrationId, report: r })
  const done = closeWhenDone(a.events, ['migration', 'client'])
  const params = resolveMigrationParams(a.params)
  // the load client: probe the guest's web workload first (the requests it answers are the baseline)
  const hasNic = Boolean((vm as { nic?: unknown }).nic)
  let load = host.network && a.clientLink && hasNic ? MigrationLoadClient.start(host.network, a.vmId, requestInterval(vm.ram.length, params['max-bandwidth']), report) : null
  if (load) {
    load.report() // 'probing': the view says so instead of "no client"
    vm.runFor(PROBE_NS)
    // the client's window is in host-network time, which may be ahead of a VM that slept behind the host: run the
    // guest on until the window has passed there too (bounded), or the probe ends before its first request
    for (let i = 0; i < PROBE_CATCH_UP_STEPS && load.now < load.originNs; i++) vm.runFor(PROBE_NS)
    if (!load.settleProbe()) load = null
  }
  let handoff: Omit<ClientHandoff, 'downtimeNs'> | null = null
  let frozen: FrozenPort | null = null
  let handedOver = false
  const sendClient = (downtimeMs: number | null): void => {
    if (handedOver || !a.clientLink) return
    handedOver = true
    a.clientLink.postMessage(handoff && downtimeMs !== null ? ({ ...handoff, downtimeNs: downtimeMs * 1e6 } satisfies ClientHandoff) : null)
    a.clientLink.close()
  }
  if (!load) {
    sendClient(null)
    done('client')
  }
  const source = new MigrationSource({
    vm,
    channel: channelFromPort(a.link),
    hostId: a.hostId,
    descriptor: a.descriptor,
    params: a.params,
    onProgress: (info) => {
      flushSerial(a.events, a.migrationId, a.vmId, vm)
      post({ type: 'progress', migrationId: a.migrationId, info })
      if (load && !handoff) load.report()
      // post-copy: the guest runs at the destination from now on; its client goes there before the first slice
      if (info.status === 'postcopy-active' && info.downtime !== null) sendClient(info.downtime)
    },
    onPause: () => {
      flushSerial(a.events, a.migrationId, a.vmId, vm)
      if (host.network && hasNic) frozen = new FrozenPort(host.network, a.vmId)
      if (load && frozen) handoff = load.handOff(frozen, () => vm.step(0))
    }
  })
  activeSources.set(a.migrationId, source)
  void source.start().then((outcome) => {
    activeSources.delete(a.migrationId)
    flushSerial(a.events, a.migrationId, a.vmId, vm)
    // completed: the client goes with the guest (post-copy: it went at the switch); otherwise it stays here
    sendClient(outcome.status === 'completed' ? outcome.info.downtime : null)
    let clientStaysHere = false
    if (outcome.sourceVmUsable) {
      // the guest continues here: its NIC gets frames again (with a client, the kept ones come through it)
      const f = frozen as FrozenPort | null
      f?.thaw(!(load && handoff))
      host.adopt(a.vmId, vm)
      if (load && handoff && host.network) {
        // paused, then the switchover failed: the client continues here, as the guest does
        clientStaysHere = true
        load = MigrationLoadClient.resume(host.network, { ...handoff, downtimeNs: 0 }, () => vm.step(0), (r) => {
          report(r)
          if (r.status === 'done') done('client')
        })
      } else if (load && !handoff) load.finish() // cancelled or failed before the pause: the last report
    } else host.release?.(a.vmId, vm) // moved away, or lost (post-copy link drop): it no longer holds this host's network clock back
    post({ type: 'source-done', migrationId: a.migrationId, status: outcome.status, info: outcome.info, sourceVmUsable: outcome.sourceVmUsable })
    done('migration')
    if (!clientStaysHere) done('client')
  })
}

/** The source's client, when it sends one (null: none, or the link closed first). */
function receiveClient(port: MessagePort | undefined): Promise<ClientHandoff | null> {
  if (!port) return Promise.resolve(null)
  return new Promise((resolve) => {
    port.once('message', (m: ClientHandoff | null) => {
      resolve(m)
      port.close()
    })
    port.once('close', () => resolve(null))
  })
}

export function startDestinationEndpoint(host: MigrationHost, a: MigrationHostMethods['migration.destination']['args']): void {
  let vm: VmInstance | null = null
  const post = (e: MigrationEndpointEvent): void => a.events.postMessage(e)
  const done = closeWhenDone(a.events, ['migration', 'client'])
  const incoming = receiveClient(a.clientLink)
  let client: MigrationLoadClient | null = null
  let connecting: Promise<void> | null = null
  /** Connect the arriving client to this host's network as the guest resumes here (before its first run). */
  const connectClient = (guest: VmInstance): Promise<void> =>
    (connecting ??= incoming.then((h) => {
      // QEMU's announce-self: the destination's switch learns the VM's MAC before the guest runs here
      if (host.network && (guest as { nic?: unknown }).nic) announceVm(host.network, a.vmId)
      if (!h || !host.network) {
        done('client')
        return
      }
      client = MigrationLoadClient.resume(host.network, h, () => guest.step(0), (report) => {
        post({ type: 'client', migrationId: a.migrationId, report })
        if (report.status === 'done') done('client')
      })
    }))
  const dest = new MigrationDestination({
    channel: channelFromPort(a.link),
    offer: a.offer,
    createVm: () => {
      const built = (vm = host.build(a.config, a.elf, a.vmId))
      return built.nic && isPostcopyTarget(built) ? new NicSafePostcopyVm(built) : built
    },
    onEvent: (event) => post({ type: 'dest-event', migrationId: a.migrationId, event }),
    onPostcopySlice: () => {
      if (vm) flushSerial(a.events, a.migrationId, a.vmId, vm)
    },
    beforePostcopyRun: () => (vm ? connectClient(vm) : undefined)
  })
  void dest.done.then(async (outcome) => {
    const arrived = vm as VmInstance | null
    if (outcome.status === 'resumed' && arrived) {
      await connectClient(arrived) // pre-copy: now; post-copy: done before the first slice
      host.adopt(a.vmId, arrived)
    } else {
      if (arrived) host.release?.(a.vmId, arrived)
      const c = client as MigrationLoadClient | null
      if (c) c.finish()
      else {
        a.clientLink?.close()
        done('client')
      }
    }
    post({ type: 'dest-done', migrationId: a.migrationId, status: outcome.status, code: outcome.code })
    done('migration')
  })
}

export const migrationHostMethodImpls = {
  'migration.source': (host: MigrationHost, a: MigrationHostMethods['migration.source']['args']): null => {
    startSourceEndpoint(host, a)
    return null
  },
  'migration.destination': (host: MigrationHost, a: MigrationHostMethods['migration.destination']['args']): null => {
    startDestinationEndpoint(host, a)
    return null
  },
  'migration.cancel': (_host: MigrationHost, a: { migrationId: string }): null => {
    activeSources.get(a.migrationId)?.cancel()
    return null
  },
  'migration.dropLink': (_host: MigrationHost, a: { migrationId: string }): null => {
    activeSources.get(a.migrationId)?.dropLink()
    return null
  }
}
