// Debian tools a test needs: when one is missing, CI fails naming the package; elsewhere the test is skipped.
import { execFileSync } from 'node:child_process'

export interface ToolCheck {
  ok: boolean
  message: string
}

export function checkTool(command: string, debianPackage: string): ToolCheck {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return { ok: true, message: '' }
  } catch {
    return {
      ok: false,
      message: `${command} not found: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`
    }
  }
}

/** Throws in CI when the tool is missing (so the run fails with the message); returns whether to run. */
export function toolAvailable(check: ToolCheck): boolean {
  if (check.ok) return true
  if (process.env.CI === 'true') throw new Error(check.message)
  console.warn(`skipped: ${check.message}`)
  return false
}
