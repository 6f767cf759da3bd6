// Schemas several features share.
import { z } from 'zod'

/** Identifiers the service hands out (VMs, jobs): lowercase letters, digits and dashes. */
export const IdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'ID_FORMAT' })

export const ByIdSchema = z.strictObject({ id: IdSchema })

export const EmptySchema = z.strictObject({})

export const OkSchema = z.strictObject({ ok: z.literal(true) })

/** Binary data on the wire (serial bytes, exported files): base64 text, so it is JSON-safe on both transports. */
export const Base64Schema = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'BASE64_FORMAT' })
