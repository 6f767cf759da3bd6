// Simulated hosts: each runs its VMs in its own worker thread. Capabilities are data the planner and the
// create-VM wizard check against (cores, memory, IOMMU, SR-IOV virtual functions).
import { z } from 'zod'
import { defineCommand } from './define'
import { EmptySchema, IdSchema } from './common'

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
  online: z.boolean()
})
export type Host = z.infer<typeof HostSchema>

export const hostCommands = {
  'hosts.list': defineCommand(EmptySchema, z.array(HostSchema))
}

export const hostEvents = {}

export const hostErrorCodes = ['HOST_NOT_FOUND', 'HOST_OUT_OF_MEMORY', 'HOST_NO_IOMMU', 'HOST_NO_FREE_VF', 'HOST_WORKER_FAILED'] as const
