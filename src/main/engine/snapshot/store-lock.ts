// One user of a store directory at a time: a lock file created exclusively, holding "pid threadId". The app
// holds it for as long as it runs (keeper.ts: acquireStoreLock); tools take it per operation (withStoreLock*).
// A lock left by a process that no longer exists is taken over. No clock: waiting is counted in attempts.
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
  if (pid > 0 && pid !== process.pid && !processAlive(pid)) fs.rmSync(file, { force: true })
  return false
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
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
const heldHere = new Set<string>()

/** Take the lock until the returned function is called. Another live process holding it → SNAPSHOT_STORE_BUSY
 * after about a second (an app holds it for hours: no point in waiting longer). A lock file naming this process
 * that nothing here holds is left from a store that was never closed, and is taken over. */
export function acquireStoreLock(dir: string, attempts = 50): () => void {
  const key = path.resolve(dir)
  if (heldHere.has(key)) throw snapshotError('SNAPSHOT_STORE_BUSY', { dir })
  for (let i = 0; !tryLock(dir); i++) {
    let pid = 0
    try {
      pid = Number(fs.readFileSync(path.join(dir, LOCK), 'utf8').split(' ')[0])
    } catch {
      pid = 0
    }
    if (pid === process.pid) fs.rmSync(path.join(dir, LOCK), { force: true })
    else if (i >= attempts) throw snapshotError('SNAPSHOT_STORE_BUSY', { dir })
    else Atomics.wait(sleeper, 0, 0, WAIT_MS)
  }
  heldHere.add(key)
  let released = false
  return () => {
    if (released) return
    released = true
    heldHere.delete(key)
    unlock(dir)
  }
}

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
