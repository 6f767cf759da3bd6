// I/O virtualization (issue 7): the I/O-exit lab (trapping register vs polled direct page), the network lab
// (emulated NIC vs virtio-net vs SR-IOV VF) and the placement planner of the user's cluster. Engine side:
// src/main/engine/labs/io, src/main/engine/cluster.
import { z } from 'zod'
import { defineCommand } from './define'
import { VirtModeSchema, VM_LIMITS } from './vms'
import { IdSchema } from './common'

const ParamsSchema = z.record(z.string(), z.union([z.string(), z.number()]))
const RefusalSchema = z.strictObject({ code: z.string(), params: ParamsSchema })

/** The exit costs the labs use (virtual cycles, src/main/engine/vmm/costs.ts names), editable in the view. */
export const IoCostsSchema = z.strictObject({
  vmExit: z.number().int().min(0).max(1_000_000),
  insnEmulation: z.number().int().min(0).max(1_000_000),
  userspaceExit: z.number().int().min(0).max(1_000_000)
})
export type IoCostsDto = z.infer<typeof IoCostsSchema>

export const ExitLabRequestSchema = z.strictObject({
  values: z.number().int().min(1).max(1_000_000),
  workPerValue: z.number().int().min(0).max(1000),
  pollPeriodUs: z.number().int().min(10).max(100_000),
  costs: IoCostsSchema,
  /** Virtualization mode of the lab VMs (default hardware-assisted). */
  mode: VirtModeSchema.optional()
})
export type ExitLabRequestDto = z.infer<typeof ExitLabRequestSchema>

export const ExitLabResultSchema = z.strictObject({
  workload: z.enum(['trap', 'poll']),
  mode: VirtModeSchema,
  values: z.number(),
  deviceValues: z.number(),
  guestChecksum: z.number(),
  deviceChecksum: z.number(),
  exits: z.number(),
  exitsByReason: z.record(z.string(), z.number()),
  virtualCycles: z.number(),
  exitCycles: z.number(),
  instructions: z.number(),
  exitsPerVirtualSecond: z.number(),
  polls: z.number()
})
export type ExitLabResultDto = z.infer<typeof ExitLabResultSchema>

export const ExitLabResponseSchema = z.strictObject({
  a: ExitLabResultSchema,
  b: ExitLabResultSchema,
  exitReduction: z.number(),
  speedup: z.number(),
  /** Wall-clock milliseconds the service spent simulating each workload (host cost of the simulation). */
  wallMs: z.strictObject({ a: z.number(), b: z.number() })
})
export type ExitLabResponseDto = z.infer<typeof ExitLabResponseSchema>

export const NET_PATHS = ['emulated', 'virtio', 'sriov-vf'] as const

export const NetLabRequestSchema = z.strictObject({
  packets: z.number().int().min(16).max(20_000),
  pings: z.number().int().min(1).max(1000),
  frameSize: z.number().int().min(60).max(1514),
  costs: IoCostsSchema,
  mode: VirtModeSchema.optional()
})
export type NetLabRequestDto = z.infer<typeof NetLabRequestSchema>

export const NetLabRowSchema = z.strictObject({
  path: z.enum(NET_PATHS),
  mode: VirtModeSchema,
  packets: z.number(),
  delivered: z.number(),
  exitsPerPacket: z.number(),
  exitCyclesPerPacket: z.number(),
  packetsPerSecond: z.number(),
  oneWayLatencyNs: z.number(),
  pings: z.number(),
  exitsPerRoundTrip: z.number(),
  rttMeanNs: z.number(),
  rttMinNs: z.number(),
  rttMaxNs: z.number(),
  postedInterrupts: z.number(),
  exitsByReason: z.record(z.string(), z.number())
})
export type NetLabRowDto = z.infer<typeof NetLabRowSchema>

export const NetLabResponseSchema = z.strictObject({ rows: z.array(NetLabRowSchema), csv: z.string() })
export type NetLabResponseDto = z.infer<typeof NetLabResponseSchema>

export const NIC_CHOICES = ['emulated', 'virtio', 'sriov-vf', 'vf-failover'] as const

const ExplainFields = {
  exitsPerPacket: z.enum(['many', 'batched', 'none']),
  interrupts: z.enum(['injected', 'injected-suppressible', 'posted']),
  migratable: z.enum(['yes', 'no', 'after-unplug']),
  needs: z.array(z.enum(['iommu', 'sriov-vf']))
}

/** A what-if VM the planner tab adds (it does not exist in the app): where it would sit and its size. */
export const PlanWhatIfVmSchema = z.strictObject({
  name: z.string().min(1).max(VM_LIMITS.nameMax),
  hostId: IdSchema,
  vcpus: z.number().int().min(1).max(VM_LIMITS.vcpusMax),
  memoryMiB: z.number().int().min(VM_LIMITS.memoryMinMiB).max(VM_LIMITS.memoryMaxMiB)
})
export type PlanWhatIfVmDto = z.infer<typeof PlanWhatIfVmSchema>

export const PlanRequestSchema = z.strictObject({ whatIf: z.array(PlanWhatIfVmSchema).max(32).optional() })

export const PLAN_CELL_KINDS = ['anywhere', 'some', 'pinned', 'unavailable'] as const

export const PlanResponseSchema = z.strictObject({
  hosts: z.array(
    z.strictObject({ id: z.string(), name: z.string(), iommu: z.boolean(), sriovVfs: z.number(), cores: z.number(), memoryMiB: z.number(), usedVfs: z.number(), usedMemoryMiB: z.number() })
  ),
  /** The app's VMs (state set) then the what-if VMs (state null, id `what-if-N`). */
  vms: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      hostId: z.string(),
      vcpus: z.number(),
      memoryMiB: z.number(),
      nic: z.enum([...NIC_CHOICES, 'none']),
      state: z.string().nullable()
    })
  ),
  /** One per VM and NIC choice: per host, why it could not run there and why it could not live-migrate there
   * (move null: its current host; empty lists: it could). */
  cells: z.array(
    z.strictObject({
      vmId: z.string(),
      nic: z.enum(NIC_CHOICES),
      kind: z.enum(PLAN_CELL_KINDS),
      hosts: z.array(z.strictObject({ hostId: z.string(), run: z.array(RefusalSchema), move: z.array(RefusalSchema).nullable() }))
    })
  ),
  summary: z.array(
    z.strictObject({ nic: z.enum(NIC_CHOICES), vms: z.number(), anywhere: z.number(), some: z.number(), pinned: z.number(), unavailable: z.number() })
  ),
  explain: z.array(z.strictObject({ nic: z.enum(NIC_CHOICES), ...ExplainFields })),
  /** The teaching-lab preset's sample VMs, as what-if VMs on its hosts (the tab adds them after loading the preset). */
  samples: z.array(PlanWhatIfVmSchema),
  csv: z.string()
})
export type PlanResponseDto = z.infer<typeof PlanResponseSchema>

export const NicCostsRequestSchema = z.strictObject({ hostId: IdSchema, mode: VirtModeSchema })

/** One NIC choice for the create-VM wizard: what it costs (measured by running the network lab's guest on the
 * engine in this mode), whether it migrates, and why the chosen host cannot give it (null: it can). */
export const NicCostSchema = z.strictObject({
  nic: z.enum(NIC_CHOICES),
  /** The path whose figures these are (a failover pair runs on its VF until it migrates). */
  measuredPath: z.enum(NET_PATHS),
  measured: z.strictObject({ exitsPerPacket: z.number(), exitsPerRoundTrip: z.number(), rttMeanNs: z.number(), packetsPerSecond: z.number() }),
  kind: z.strictObject(ExplainFields),
  refusal: RefusalSchema.nullable()
})
export type NicCostDto = z.infer<typeof NicCostSchema>

export const NicCostsResponseSchema = z.strictObject({ host: z.string(), mode: VirtModeSchema, choices: z.array(NicCostSchema) })
export type NicCostsResponseDto = z.infer<typeof NicCostsResponseSchema>

export const ioCommands = {
  /** Per NIC choice on a host: measured costs, migratability, and the refusal when the host cannot give it. */
  'io.nicCosts': defineCommand(NicCostsRequestSchema, NicCostsResponseSchema),
  /** Workload A (trapping register) and B (directly mapped page polled every pollPeriodUs) on the real engine. */
  'io.exitLab': defineCommand(ExitLabRequestSchema, ExitLabResponseSchema),
  /** The same guest network workload over the emulated NIC, virtio-net and an SR-IOV VF; rows and CSV. */
  'io.netLab': defineCommand(NetLabRequestSchema, NetLabResponseSchema),
  /** The app's cluster (hosts and VMs, plus what-if VMs): per VM and NIC choice, where it could run and where
   * it could live-migrate, with the refusals; summary and CSV. */
  'io.plan': defineCommand(PlanRequestSchema, PlanResponseSchema)
}

export const ioEvents = {}

export const ioErrorCodes = [
  'IO_NO_IOMMU',
  'IO_NO_SRIOV_NIC',
  'IO_NO_FREE_VF',
  'IO_NO_IOMMU_DOMAIN',
  'IO_NO_NIC',
  'IOLAB_BAD_PARAM',
  'IOLAB_GUEST_FAILED',
  'IOLAB_SYMBOL_MISSING',
  'IOLAB_IMAGE_MISSING',
  'VMM_DIRECT_MAP_UNSUPPORTED'
] as const
