// The isolation lab (issue 8): containers vs VMs, measured by an escape experiment on the real guest kernel.
// Engine side: src/main/engine/labs/isolation (docs/isolation.md). One run at a time per service; it runs in its
// own worker thread, reports isolation.progress, and isolation.cancel stops it.
import { z } from 'zod'
import { defineCommand, defineEvent } from './define'

export const ISOLATION_CONFIGS = ['containers', 'containers-filtered', 'vms'] as const
export type IsolationConfigName = (typeof ISOLATION_CONFIGS)[number]

export const IsolationRunRequestSchema = z.strictObject({
  configs: z.array(z.enum(ISOLATION_CONFIGS)).min(1).max(3),
  trials: z.number().int().min(1).max(1000),
  seed: z.number().int().min(0).max(0xffffffff),
  pKernelFlaw: z.number().min(0).max(1),
  pVmmFlaw: z.number().min(0).max(1),
  tries: z.number().int().min(10).max(20_000),
  vmTries: z.number().int().min(10).max(20_000)
})
export type IsolationRunRequestDto = z.infer<typeof IsolationRunRequestSchema>

const IntervalSchema = z.object({ low: z.number(), high: z.number() })
const QuantilesSchema = z.object({ min: z.number(), median: z.number(), p90: z.number(), max: z.number(), mean: z.number() }).nullable()

export const IsolationSummarySchema = z.object({
  config: z.enum(ISOLATION_CONFIGS),
  trials: z.number(),
  escapes: z.number(),
  rate: z.number(),
  interval: IntervalSchema,
  predicted: z.number(),
  flawedTrials: z.number(),
  triesToEscape: QuantilesSchema,
  virtualMsToEscape: QuantilesSchema,
  attackSurface: z.object({
    boundary: z.enum(['kernel', 'vmm']),
    systemCalls: z.number().nullable(),
    systemCallTargets: z.number(),
    exitReasons: z.array(z.string()),
    deviceRegisters: z.number(),
    boundaryEntryPoints: z.number()
  })
})
export type IsolationSummaryDto = z.infer<typeof IsolationSummarySchema>

export const CrossingAccessSchema = z.object({
  read: z.number(),
  gpa: z.number(),
  slot: z.number(),
  offset: z.number(),
  size: z.number(),
  hostAddress: z.number(),
  region: z.string(),
  owner: z.string(),
  ownerGpa: z.number().nullable(),
  bytes: z.string()
})
export type CrossingAccessDto = z.infer<typeof CrossingAccessSchema>

/** One trial without its planted secret (what leaves the engine is only what the attacker printed: its line). */
export const IsolationTrialSchema = z.object({
  config: z.enum(ISOLATION_CONFIGS),
  trial: z.number(),
  kernelFlawed: z.boolean(),
  vmmFlawed: z.boolean(),
  attackSeed: z.number(),
  escaped: z.boolean(),
  line: z.string(),
  tries: z.number(),
  via: z.string().nullable(),
  virtualNs: z.number(),
  instructions: z.number(),
  exitReasons: z.array(z.string()),
  secretAt: z.object({ gpa: z.number(), hostAddress: z.number(), region: z.string() }).nullable(),
  firstCrossing: CrossingAccessSchema.nullable(),
  firstIntoTenant: CrossingAccessSchema.nullable(),
  secretReads: z.array(CrossingAccessSchema),
  crossings: z.number(),
  deviceVisits: z.array(
    z.object({ visit: z.number(), firstRead: z.number(), slot: z.number(), reads: z.number(), hostStart: z.number().nullable(), hostEnd: z.number().nullable(), regions: z.array(z.string()) })
  ),
  hostRegions: z.array(z.object({ name: z.string(), owner: z.string(), base: z.number(), size: z.number() }))
})
export type IsolationTrialDto = z.infer<typeof IsolationTrialSchema>

export const IsolationReportSchema = z.object({
  runId: z.string(),
  params: IsolationRunRequestSchema,
  summaries: z.array(IsolationSummarySchema),
  trials: z.array(IsolationTrialSchema),
  csv: z.string(),
  json: z.string(),
  wallMs: z.number()
})
export type IsolationReportDto = z.infer<typeof IsolationReportSchema>

export const isolationCommands = {
  /** Runs N seeded trials per configuration in a worker thread; answers with the report when all are done. */
  'isolation.run': defineCommand(IsolationRunRequestSchema.extend({ runId: z.string().min(1).max(64) }), IsolationReportSchema),
  /** Stops the run `runId` (its isolation.run answers ISOLATION_CANCELLED). */
  'isolation.cancel': defineCommand(z.strictObject({ runId: z.string().min(1).max(64) }), z.object({ cancelled: z.boolean() }))
}

export const isolationEvents = {
  /** After every trial. */
  'isolation.progress': defineEvent(
    z.object({ runId: z.string(), done: z.number(), total: z.number(), config: z.enum(ISOLATION_CONFIGS), trial: z.number(), escaped: z.boolean() })
  )
}

export const isolationErrorCodes = ['ISOLATION_BAD_PARAM', 'ISOLATION_GUEST_FAILED', 'ISOLATION_CANCELLED', 'ISOLATION_BUSY', 'ISOLATION_IMAGE_MISSING'] as const
