// One JSON document under the data directory, validated with its schema when read and written atomically.
// A file that is unreadable or fails validation is kept aside as <name>.corrupt-N and replaced by the default,
// so a damaged settings file never stops the app from starting.
import { existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import type { z } from 'zod'
import { readFileIfExists, writeFileAtomic } from './atomic-file'

export class JsonStore<S extends z.ZodType> {
  private readonly path: string
  value: z.output<S>
  /** Set when the file on disk was unusable and has been moved aside. */
  readonly recoveredFrom: string | null = null

  constructor(
    dataDir: string,
    readonly name: string,
    private readonly schema: S,
    fallback: () => z.output<S>
  ) {
    this.path = join(dataDir, name)
    const text = readFileIfExists(this.path)
    if (text === null) {
      this.value = fallback()
      return
    }
    let parsed: ReturnType<S['safeParse']> | null = null
    try {
      parsed = schema.safeParse(JSON.parse(text)) as ReturnType<S['safeParse']>
    } catch {
      parsed = null
    }
    if (parsed && parsed.success) {
      this.value = parsed.data as z.output<S>
      return
    }
    let n = 1
    while (existsSync(`${this.path}.corrupt-${n}`)) n++
    renameSync(this.path, `${this.path}.corrupt-${n}`)
    this.recoveredFrom = `${this.path}.corrupt-${n}`
    this.value = fallback()
  }

  save(value: z.output<S> = this.value): void {
    this.value = this.schema.parse(value) as z.output<S>
    writeFileAtomic(this.path, JSON.stringify(this.value, null, 2) + '\n')
  }
}
