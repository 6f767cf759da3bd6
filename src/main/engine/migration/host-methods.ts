// Migration inside a host worker: the host methods that start a source or a destination endpoint on this host.
// While it migrates, the VM is detached from the host's scheduler (the migration runs it in virtual time); a
// source VM comes back to the scheduler when the migration is cancelled or fails in pre-copy, a destination VM
// joins the scheduler when it resumes here. Endpoint events (progress, serial output, outcome) go to the service
// on a separate MessagePort, so the host's batch protocol stays as it is.
import type { MessagePort } from 'node:worker_threads'
import type { VmConfig, VmInstance } from '../vmm/api'
import type { DestinationOffer, VmDescriptor } from './blockers'
import { channelFromPort } from './channel'
import { MigrationDestination, type DestinationEvent } from './destination'
import type { MigrationParams } from './params'
import { MigrationSource, type MigrationOutcome } from './source'
import type { MigrationInfo } from './stats'

/** What a host runtime must offer the migration (HostRuntime implements it). */
export interface MigrationHost {
  /** Take the VM out of the scheduler without stopping it; the caller now drives it. */
  detach(vmId: string): VmInstance
  /** Put a VM (back) into the scheduler, running. */
  adopt(vmId: string, vm: VmInstance): void
  /** Build a VM from its config and image, without scheduling it. */
  build(config: VmConfig, elf: Uint8Array): VmInstance
}

export type MigrationEndpointEvent =
  | { type: 'progress'; migrationId: string; info: MigrationInfo }
  | { type: 'serial'; migrationId: string; vmId: string; bytes: Uint8Array }
  | { type: 'source-done'; migrationId: string; status: MigrationOutcome['status']; info: MigrationInfo; sourceVmUsable: boolean }
  | { type: 'dest-event'; migrationId: string; event: DestinationEvent }
  | { type: 'dest-done'; migrationId: string; status: 'resumed' | 'refused' | 'discarded' | 'failed'; code: string | null }

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
    }
    result: null
  }
  'migration.destination': {
    args: { migrationId: string; vmId: string; link: MessagePort; events: MessagePort; offer: DestinationOffer; config: VmConfig; elf: Uint8Array }
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

export function startSourceEndpoint(host: MigrationHost, a: MigrationHostMethods['migration.source']['args']): void {
  const vm = host.detach(a.vmId)
  const post = (e: MigrationEndpointEvent): void => a.events.postMessage(e)
  const source = new MigrationSource({
    vm,
    channel: channelFromPort(a.link),
    hostId: a.hostId,
    descriptor: a.descriptor,
    params: a.params,
    onProgress: (info) => {
      flushSerial(a.events, a.migrationId, a.vmId, vm)
      post({ type: 'progress', migrationId: a.migrationId, info })
    },
    onPause: () => flushSerial(a.events, a.migrationId, a.vmId, vm)
  })
  activeSources.set(a.migrationId, source)
  void source.start().then((outcome) => {
    activeSources.delete(a.migrationId)
    flushSerial(a.events, a.migrationId, a.vmId, vm)
    if (outcome.sourceVmUsable) host.adopt(a.vmId, vm)
    post({ type: 'source-done', migrationId: a.migrationId, status: outcome.status, info: outcome.info, sourceVmUsable: outcome.sourceVmUsable })
    a.events.close()
  })
}

export function startDestinationEndpoint(host: MigrationHost, a: MigrationHostMethods['migration.destination']['args']): void {
  let vm: VmInstance | null = null
  const post = (e: MigrationEndpointEvent): void => a.events.postMessage(e)
  const dest = new MigrationDestination({
    channel: channelFromPort(a.link),
    offer: a.offer,
    createVm: () => (vm = host.build(a.config, a.elf)),
    onEvent: (event) => post({ type: 'dest-event', migrationId: a.migrationId, event }),
    onPostcopySlice: () => {
      if (vm) flushSerial(a.events, a.migrationId, a.vmId, vm)
    }
  })
  void dest.done.then((outcome) => {
    const incoming = vm as VmInstance | null
    if (outcome.status === 'resumed' && incoming) host.adopt(a.vmId, incoming)
    post({ type: 'dest-done', migrationId: a.migrationId, status: outcome.status, code: outcome.code })
    a.events.close()
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
