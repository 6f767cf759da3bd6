// Virtual machines: definitions (persisted), lifecycle commands, the serial console, live statistics.
import { z } from 'zod'
import { defineCommand, defineEvent } from './define'
import { Base64Schema, ByIdSchema, EmptySchema, IdSchema, OkSchema } from './common'

export const VIRT_MODES = ['trap-and-emulate', 'hardware-assisted'] as const
export const VirtModeSchema = z.enum(VIRT_MODES)
export type VirtMode = z.infer<typeof VirtModeSchema>

export const NIC_MODELS = ['none', 'emulated', 'virtio', 'sriov-vf', 'vf-failover'] as const
export const NicModelSchema = z.enum(NIC_MODELS)
export type NicModel = z.infer<typeof NicModelSchema>

export const VM_STATES = ['stopped', 'running', 'paused', 'halted', 'crashed'] as const
export const VmStateSchema = z.enum(VM_STATES)
export type VmState = z.infer<typeof VmStateSchema>

/** vcpusMax is the contract's range; the teaching kernel is uniprocessor and the engine runs one hart, so the
 * service refuses more than vcpusSupported (VM_VCPUS_UNIPROCESSOR). */
export const VM_LIMITS = { nameMax: 40, memoryMinMiB: 16, memoryMaxMiB: 1024, vcpusMax: 8, vcpusSupported: 1 } as const

/** What the guest kernel runs at boot (its `selftest=` / `workload=` command-line words, docs/guest.md). */
export const BOOT_KINDS = ['shell', 'web', 'dirty', 'cpu', 'selftest'] as const
export type BootKind = (typeof BOOT_KINDS)[number]
export const BOOT_LIMITS = {
  dirtyPagesMax: 262_144,
  dirtyRateMax: 1_000_000,
  cpuItersMax: 1_000_000_000,
  /** Pages of a VM's RAM the kernel keeps for itself (image, page tables, free-memory reserve of 64 pages). */
  dirtyReservePages: 512
} as const
export const BOOT_DEFAULTS = { dirtyPages: 256, dirtyRate: 1000, cpuIters: 1_000_000 } as const

const intIn = (min: number, max: number, code: string) =>
  z.number({ message: code }).int({ message: code }).min(min, { message: code }).max(max, { message: code })

export const VmBootSchema = z.discriminatedUnion('kind', [
  /** The shell prompt and nothing else. */
  z.strictObject({ kind: z.literal('shell') }),
  /** The `web` workload: answers requests on the VM's NIC. */
  z.strictObject({ kind: z.literal('web') }),
  /** The memory dirtier: `pages` working-set pages, written at `rate` pages/s (0 = flat out), `spin` = busy-wait. */
  z.strictObject({
    kind: z.literal('dirty'),
    pages: intIn(1, BOOT_LIMITS.dirtyPagesMax, 'VM_BOOT_DIRTY_PAGES'),
    rate: intIn(0, BOOT_LIMITS.dirtyRateMax, 'VM_BOOT_DIRTY_RATE'),
    spin: z.boolean()
  }),
  /** The CPU workload: `iters` iterations of arithmetic. */
  z.strictObject({ kind: z.literal('cpu'), iters: intIn(1, BOOT_LIMITS.cpuItersMax, 'VM_BOOT_CPU_ITERS') }),
  /** The four-process self-test, then the shell (what VMs did before the boot choice existed). */
  z.strictObject({ kind: z.literal('selftest') })
])
export type VmBoot = z.infer<typeof VmBootSchema>
export const DEFAULT_BOOT: VmBoot = { kind: 'shell' }
/** Saved VMs from before the boot choice booted the kernel's default line: the self-test, then the shell. */
export const LEGACY_BOOT: VmBoot = { kind: 'selftest' }

/** Largest dirty working set (pages) a VM of memoryMiB can hold next to the kernel (the service refuses more with
 * VM_BOOT_DIRTY_FIT { max, memoryMiB }; the kernel itself would print "does not fit" and run the shell). */
export function maxDirtyPages(memoryMiB: number): number {
  return Math.max(1, Math.min(BOOT_LIMITS.dirtyPagesMax, memoryMiB * 256 - BOOT_LIMITS.dirtyReservePages))
}

/** The kernel command-line words for a boot choice (the VMM adds net= and mem=). */
export function bootCmdlineWords(boot: VmBoot): string[] {
  switch (boot.kind) {
    case 'shell':
      return ['selftest=0']
    case 'selftest':
      return ['selftest=1']
    case 'web':
      return ['selftest=0', 'workload=web']
    case 'cpu':
      return ['selftest=0', 'workload=cpu', `cpu.iters=${boot.iters}`]
    case 'dirty':
      return ['selftest=0', 'workload=dirty', `dirty.pages=${boot.pages}`, `dirty.rate=${boot.rate}`, ...(boot.spin ? ['dirty.spin=1'] : [])]
  }
}

/** What the create-VM wizard sends. Messages are error codes the UI translates (see src/shared/errors.ts). */
export const VmCreateSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, { message: 'VM_NAME_REQUIRED' })
    .max(VM_LIMITS.nameMax, { message: 'VM_NAME_TOO_LONG' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, { message: 'VM_NAME_FORMAT' }),
  memoryMiB: z
    .number({ message: 'VM_MEMORY_RANGE' })
    .int({ message: 'VM_MEMORY_RANGE' })
    .min(VM_LIMITS.memoryMinMiB, { message: 'VM_MEMORY_RANGE' })
    .max(VM_LIMITS.memoryMaxMiB, { message: 'VM_MEMORY_RANGE' }),
  vcpus: z
    .number({ message: 'VM_VCPUS_RANGE' })
    .int({ message: 'VM_VCPUS_RANGE' })
    .min(1, { message: 'VM_VCPUS_RANGE' })
    .max(VM_LIMITS.vcpusMax, { message: 'VM_VCPUS_RANGE' }),
  image: z.string().regex(/^[A-Za-z0-9._-]+\.elf$/, { message: 'VM_IMAGE_REQUIRED' }),
  mode: VirtModeSchema,
  nic: NicModelSchema,
  vtpm: z.boolean(),
  hostId: IdSchema,
  boot: VmBootSchema.default(DEFAULT_BOOT)
})
/** A create request as callers write it (`boot` may be left out: shell only). */
export type VmCreateRequest = z.input<typeof VmCreateSchema>

export const VmDefinitionSchema = z.strictObject({
  id: IdSchema,
  name: z.string(),
  memoryMiB: z.number().int(),
  vcpus: z.number().int(),
  image: z.string(),
  mode: VirtModeSchema,
  nic: NicModelSchema,
  vtpm: z.boolean(),
  hostId: IdSchema,
  /** What it runs at boot; absent in VMs saved before the choice existed. */
  boot: VmBootSchema.default(LEGACY_BOOT),
  /** Creation order (a counter, not a clock), for stable listing. */
  seq: z.number().int()
})
export type VmDefinition = z.infer<typeof VmDefinitionSchema>

export const ErrorPayloadSchema = z.strictObject({
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()]))
})
export type ErrorPayload = z.infer<typeof ErrorPayloadSchema>

export const VmSummarySchema = z.strictObject({
  ...VmDefinitionSchema.shape,
  state: VmStateSchema,
  /** Why the VM stopped by itself (power-off exit code, or the crash the VMM contained). */
  halt: z
    .strictObject({ kind: z.enum(['poweroff', 'crash']), exitCode: z.number().int(), error: ErrorPayloadSchema.nullable() })
    .nullable()
})
export type VmSummary = z.infer<typeof VmSummarySchema>

/** VM exits by reason (the engine's reasons, src/main/engine/vmm/api.ts EXIT_REASONS, in its order). */
export const ExitCountsSchema = z.record(z.string().max(64), z.number())
export type ExitCounts = z.infer<typeof ExitCountsSchema>

/** One statistics sample of one VM: cumulative engine counters plus rates over the last sample interval. */
export const VmStatsSampleSchema = z.strictObject({
  id: IdSchema,
  /** Milliseconds since the VM was started (host wall clock: how fast the simulation runs). */
  wallMs: z.number(),
  instructions: z.number(),
  virtualCycles: z.number(),
  exits: ExitCountsSchema,
  exitCycles: z.number(),
  dirtyPages: z.number(),
  rates: z.strictObject({
    instructionsPerSec: z.number(),
    exitsPerSec: ExitCountsSchema,
    dirtyPagesPerSec: z.number()
  })
})
export type VmStatsSample = z.infer<typeof VmStatsSampleSchema>

export const SerialChunkSchema = z.strictObject({ id: IdSchema, bytes: Base64Schema })
export type SerialChunk = z.infer<typeof SerialChunkSchema>

export const SendSerialSchema = z.strictObject({
  id: IdSchema,
  /** Text typed on the console, sent to the guest as UTF-8. */
  text: z.string().max(4096)
})

export const GuestImageSchema = z.strictObject({ file: z.string(), sizeBytes: z.number().int() })
export type GuestImage = z.infer<typeof GuestImageSchema>

/** Change what a stopped VM runs at its next boot. */
export const VmSetBootSchema = z.strictObject({ id: IdSchema, boot: VmBootSchema })

export const vmCommands = {
  'images.list': defineCommand(EmptySchema, z.array(GuestImageSchema)),
  'vms.list': defineCommand(EmptySchema, z.array(VmSummarySchema)),
  'vms.create': defineCommand(VmCreateSchema, VmSummarySchema),
  'vms.start': defineCommand(ByIdSchema, VmSummarySchema),
  'vms.pause': defineCommand(ByIdSchema, VmSummarySchema),
  'vms.resume': defineCommand(ByIdSchema, VmSummarySchema),
  'vms.stop': defineCommand(ByIdSchema, VmSummarySchema),
  'vms.delete': defineCommand(ByIdSchema, OkSchema),
  'vms.setBoot': defineCommand(VmSetBootSchema, VmSummarySchema),
  'vms.sendSerial': defineCommand(SendSerialSchema, OkSchema),
  /** The console scrollback kept by the service (last 64 KiB), for a console opened after boot. */
  'vms.serialHistory': defineCommand(ByIdSchema, SerialChunkSchema),
  'vms.stats': defineCommand(ByIdSchema, VmStatsSampleSchema.nullable())
}

export const vmEvents = {
  /** A VM was created, changed state or was edited. */
  'vm.state': defineEvent(VmSummarySchema),
  'vm.removed': defineEvent(ByIdSchema),
  /** One batch from one host worker (2–20 Hz): stats samples and serial output of its running VMs. */
  'vms.tick': defineEvent(z.strictObject({ hostId: IdSchema, stats: z.array(VmStatsSampleSchema), serial: z.array(SerialChunkSchema) }))
}

export const vmErrorCodes = [
  'VM_NOT_FOUND',
  'VM_NAME_TAKEN',
  'VM_BAD_STATE',
  'VM_IMAGE_NOT_FOUND',
  'VM_NAME_REQUIRED',
  'VM_NAME_TOO_LONG',
  'VM_NAME_FORMAT',
  'VM_MEMORY_RANGE',
  'VM_VCPUS_RANGE',
  'VM_VCPUS_OVER_HOST',
  'VM_VCPUS_UNIPROCESSOR',
  'VM_BOOT_DIRTY_PAGES',
  'VM_BOOT_DIRTY_RATE',
  'VM_BOOT_DIRTY_FIT',
  'VM_BOOT_CPU_ITERS',
  'VM_IMAGE_REQUIRED',
  'ID_FORMAT',
  'BASE64_FORMAT'
] as const
