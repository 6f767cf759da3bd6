// One writer at a time per store directory, across the host worker threads (take, revert) and the service's
// main thread (list, delete, clone, export, import): a lock file created exclusively. A lock left by a process
// that no longer exists is taken over. No clock: waiting is counted in attempts.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { threadId } from 'node:worker_threads'
import { snapshotError } from './errors'

const LOCK = 'store.lock'
const WAIT_MS = 20
const MAX_ATTEMPTS = 3000 // about a minute

function tryLock(dir: string): boolean {
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, LOCK)
  try {
    const fd = fs.openSync(file, 'wx')
    fs.writeSync(fd, `${process.pid} ${threadId}\n`)
    fs.closeSync(fd)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  // held: by a live process, or left behind by one that died
  let pid = 0
  try {
    pid = Number(fs.readFileSync(file, 'utf8').split(' ')[0])
  } catch {
    return false
  }
  if (pid > 0 && pid !== process.pid && !alive(pid)) fs.rmSync(file, { force: true })
  return false
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function unlock(dir: string): void {
  fs.rmSync(path.join(dir, LOCK), { force: true })
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Run fn holding the store lock, waiting (blocking this thread) for another holder to finish. */
export function withStoreLockSync<T>(dir: string, fn: () => T): T {
  for (let i = 0; !tryLock(dir); i++) {
    if (i >= MAX_ATTEMPTS) throw snapshotError('SNAPSHOT_STORE_BUSY', { dir })
    Atomics.wait(sleeper, 0, 0, WAIT_MS)
  }
  try {
    return fn()
  } finally {
    unlock(dir)
  }
}

/** Run fn holding the store lock, waiting without blocking the event loop. */
export async function withStoreLock<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  for (let i = 0; !tryLock(dir); i++) {
    if (i >= MAX_ATTEMPTS) throw snapshotError('SNAPSHOT_STORE_BUSY', { dir })
    await new Promise((r) => setTimeout(r, WAIT_MS))
  }
  try {
    return await fn()
  } finally {
    unlock(dir)
  }
}
