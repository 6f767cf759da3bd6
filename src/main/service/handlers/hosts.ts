import type { Host, hostCommands } from '../../../shared/contract'
import { WorkbenchError } from '../../../shared/errors'
import type { PlacedVm } from '../hosts'
import { migrationsOf } from '../migrations'
import type { WorkbenchService } from '../workbench-service'
import type { Handlers } from './types'

/** The VMs defined on a host, with their run state. */
function placedOn(s: WorkbenchService, hostId: string): PlacedVm[] {
  return s.vms
    .list()
    .filter((v) => v.hostId === hostId)
    .map((v) => ({ name: v.name, memoryMiB: v.memoryMiB, vcpus: v.vcpus, nic: v.nic, state: s.vms.rt(v.id).state }))
}

/** A migration still moving a VM onto the host: its VM is not placed there yet, but its worker holds it. */
function refuseMigrationTarget(s: WorkbenchService, hostId: string): void {
  const m = migrationsOf(s)
    .list()
    .find((r) => !r.finished && r.targetHostId === hostId)
  if (m) throw new WorkbenchError('HOST_MIGRATION_TARGET', { host: s.hosts.get(hostId).name, vm: m.vmName })
}

function changed(s: WorkbenchService): Host[] {
  const hosts = s.hostList()
  s.emit('hosts.changed', { hosts })
  return hosts
}

function described(s: WorkbenchService, id: string): Host {
  const host = changed(s).find((h) => h.id === id)
  if (!host) throw new WorkbenchError('HOST_NOT_FOUND', { id })
  return host
}

export const hostHandlers: Handlers<keyof typeof hostCommands> = {
  'hosts.list': (_req, s) => s.hostList(),
  'hosts.create': (req, s) => described(s, s.hosts.add(req).id),
  'hosts.update': async (req, s) => {
    const { id, ...input } = req
    await s.hosts.update(id, input, placedOn(s, id))
    return described(s, id)
  },
  'hosts.delete': async (req, s) => {
    s.hosts.get(req.id)
    refuseMigrationTarget(s, req.id)
    await s.hosts.remove(req.id, placedOn(s, req.id))
    changed(s)
    return { ok: true as const }
  },
  'hosts.presetPreview': (req, s) => s.hosts.preview(req.preset, (id) => placedOn(s, id)),
  'hosts.loadPreset': async (req, s) => {
    for (const h of s.hosts.list()) refuseMigrationTarget(s, h.id)
    await s.hosts.loadPreset(req.preset, (id) => placedOn(s, id))
    return changed(s)
  }
}
