// Simulated hosts: each runs its VMs in its own worker thread. Capabilities are data the planner and the
// create-VM wizard check against (cores, memory, IOMMU, SR-IOV virtual functions). Users shape the cluster:
// add, edit and remove hosts, or replace them all with a preset (the default pair, or the teaching lab).
import { z } from 'zod'
import { defineCommand, defineEvent } from './define'
import { ByIdSchema, EmptySchema, IdSchema, OkSchema } from './common'
import { ErrorPayloadSchema } from './vms'

/** What a user may declare. Host memory and cores are a simulated budget (a VM's RAM is real, and a VM is at
 * most VM_LIMITS.memoryMaxMiB); 64 VFs is the order of a real SR-IOV NIC (an Intel 82599 offers 63). Every host
 * with a running VM is a worker thread with its own V8 heap, so a cluster stays at 16 hosts. */
export const HOST_LIMITS = { nameMax: 32, coresMax: 64, memoryMinMiB: 64, memoryMaxMiB: 65536, vfsMax: 64, hostsMax: 16 } as const

/** A host as the user edits it. Messages are error codes the UI translates. */
export const HostInputSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, { message: 'HOST_NAME_REQUIRED' })
    .max(HOST_LIMITS.nameMax, { message: 'HOST_NAME_TOO_LONG' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'HOST_NAME_FORMAT' }),
  cores: z
    .number({ message: 'HOST_CORES_RANGE' })
    .int({ message: 'HOST_CORES_RANGE' })
    .min(1, { message: 'HOST_CORES_RANGE' })
    .max(HOST_LIMITS.coresMax, { message: 'HOST_CORES_RANGE' }),
  memoryMiB: z
    .number({ message: 'HOST_MEMORY_RANGE' })
    .int({ message: 'HOST_MEMORY_RANGE' })
    .min(HOST_LIMITS.memoryMinMiB, { message: 'HOST_MEMORY_RANGE' })
    .max(HOST_LIMITS.memoryMaxMiB, { message: 'HOST_MEMORY_RANGE' }),
  iommu: z.boolean(),
  /** SR-IOV virtual functions the host NIC offers (0 = no SR-IOV NIC). */
  sriovVfs: z
    .number({ message: 'HOST_VFS_RANGE' })
    .int({ message: 'HOST_VFS_RANGE' })
    .min(0, { message: 'HOST_VFS_RANGE' })
    .max(HOST_LIMITS.vfsMax, { message: 'HOST_VFS_RANGE' })
})
export type HostInput = z.infer<typeof HostInputSchema>

export const HostUpdateSchema = z.strictObject({ id: IdSchema, ...HostInputSchema.shape })

/** The host's worker thread: not started yet (it starts with the first VM), running, or died (restarted on
 * the next VM start). */
export const HOST_WORKER_STATES = ['idle', 'running', 'failed'] as const

export const HostSchema = z.strictObject({
  id: IdSchema,
  name: z.string(),
  cores: z.number().int().positive(),
  memoryMiB: z.number().int().positive(),
  iommu: z.boolean(),
  /** SR-IOV virtual functions the host NIC offers (0 = no SR-IOV NIC). */
  sriovVfs: z.number().int().min(0),
  /** Derived: memory and VFs used by the VMs placed on this host. */
  usedMemoryMiB: z.number().int().min(0),
  usedVfs: z.number().int().min(0),
  vmCount: z.number().int().min(0),
  /** Whether the host's worker thread is up. */
  online: z.boolean(),
  worker: z.enum(HOST_WORKER_STATES)
})
export type Host = z.infer<typeof HostSchema>

export const HOST_PRESETS = ['default', 'teaching-lab'] as const
export const HostPresetSchema = z.strictObject({ preset: z.enum(HOST_PRESETS) })
export type HostPreset = (typeof HOST_PRESETS)[number]

/** What loading a preset would do, for the confirmation: host names that go, come and stay (redefined), and the
 * reason it is refused (VMs on a host that would disappear or no longer fit them), or null. */
export const HostPresetPreviewSchema = z.strictObject({
  preset: z.enum(HOST_PRESETS),
  removed: z.array(z.string()),
  added: z.array(z.string()),
  kept: z.array(z.string()),
  refusal: ErrorPayloadSchema.nullable()
})
export type HostPresetPreview = z.infer<typeof HostPresetPreviewSchema>

export const hostCommands = {
  'hosts.list': defineCommand(EmptySchema, z.array(HostSchema)),
  'hosts.create': defineCommand(HostInputSchema, HostSchema),
  'hosts.update': defineCommand(HostUpdateSchema, HostSchema),
  /** Refused while VMs are placed on the host or it is the last one; its worker thread is shut down. */
  'hosts.delete': defineCommand(ByIdSchema, OkSchema),
  'hosts.presetPreview': defineCommand(HostPresetSchema, HostPresetPreviewSchema),
  /** Replaces every host with the preset's (same refusals as the preview); returns the new list. */
  'hosts.loadPreset': defineCommand(HostPresetSchema, z.array(HostSchema))
}

export const hostEvents = {
  /** The set of hosts or a definition changed (any client's edit). */
  'hosts.changed': defineEvent(z.strictObject({ hosts: z.array(HostSchema) }))
}

export const hostErrorCodes = [
  'HOST_NOT_FOUND',
  'HOST_OUT_OF_MEMORY',
  'HOST_NO_IOMMU',
  'HOST_NO_FREE_VF',
  'HOST_WORKER_FAILED',
  'HOST_NAME_REQUIRED',
  'HOST_NAME_TOO_LONG',
  'HOST_NAME_FORMAT',
  'HOST_CORES_RANGE',
  'HOST_MEMORY_RANGE',
  'HOST_VFS_RANGE',
  'HOST_NAME_TAKEN', // { name }
  'HOST_TOO_MANY', // { max }
  'HOST_HAS_VMS', // { host, count }
  'HOST_LAST', // { host }
  'HOST_MEMORY_IN_USE', // { host, requested, used }
  'HOST_MEMORY_BELOW_VM', // { host, requested, vm, memory }
  'HOST_CORES_BELOW_VM', // { host, requested, vm, vcpus }
  'HOST_VFS_IN_USE', // { host, requested, used }
  'HOST_IOMMU_IN_USE', // { host, used }
  'HOST_CAPS_IN_USE', // { host, count }
  'HOST_MIGRATION_TARGET', // { host, vm }
  'HOST_PRESET_BLOCKED' // { host, count }
] as const
