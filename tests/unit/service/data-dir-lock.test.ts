// One workbench per data folder: a lock naming a live process refuses with DATA_DIR_BUSY and that pid, a lock left
// by a process that is gone is taken over, and giving the lock back removes it.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DATA_DIR_LOCK, dataDirBusyText, lockDataDir } from '../../../src/main/service/data-dir-lock'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const newDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'wb-lock-'))
  dirs.push(d)
  return d
}

describe('data folder lock', () => {
  it('is held while the workbench runs and given back at close', () => {
    const dir = newDir()
    const release = lockDataDir(dir)
    expect(readFileSync(join(dir, DATA_DIR_LOCK), 'utf8').trim()).toBe(String(process.pid))
    release()
    expect(existsSync(join(dir, DATA_DIR_LOCK))).toBe(false)
    lockDataDir(dir)() // free again
  })

  it('refuses while another live process holds it, and takes it over once that process is gone', async () => {
    const dir = newDir()
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
    const pid = other.pid as number
    writeFileSync(join(dir, DATA_DIR_LOCK), `${pid}\n`)
    expect(() => lockDataDir(dir)).toThrowError(expect.objectContaining({ code: 'DATA_DIR_BUSY', params: { dir, pid } }))
    expect(readFileSync(join(dir, DATA_DIR_LOCK), 'utf8').trim()).toBe(String(pid)) // untouched
    other.kill('SIGKILL')
    await new Promise((r) => other.once('exit', r))
    const release = lockDataDir(dir) // a crashed holder's lock is taken over
    expect(readFileSync(join(dir, DATA_DIR_LOCK), 'utf8').trim()).toBe(String(process.pid))
    release()
  })

  it('says what to do in both languages', () => {
    const text = dataDirBusyText('/data', 42)
    expect(text).toContain('/data is in use by another VMM Workbench (process 42)')
    expect(text).toContain('数据文件夹 /data 正被另一个 VMM Workbench（进程 42')
  })
})
