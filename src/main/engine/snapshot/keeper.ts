// One open snapshot store per data directory for as long as the app runs: the store's lock file is held from
// open to close (a second app or lab server on the same directory is refused with SNAPSHOT_STORE_BUSY), the
// index and manifests stay in memory, and every operation runs through one queue, so concurrent requests never
// interleave (a gc never removes a pack a revert plan names, two takes never race for the current position).
import { acquireStoreLock } from './store-lock'
import { type SnapshotStore, openSnapshotStore } from './store'

export class StoreKeeper {
  private tail: Promise<unknown> = Promise.resolve()
  private queued = 0
  private closed = false

  private constructor(
    readonly store: SnapshotStore,
    private readonly release: () => void
  ) {}

  /** Take the store's lock and open it. `clock`: milliseconds since 1970 for snapshot times. */
  static open(dir: string, clock: () => number): StoreKeeper {
    const release = acquireStoreLock(dir)
    try {
      return new StoreKeeper(openSnapshotStore(dir, { clock }), release)
    } catch (err) {
      release()
      throw err
    }
  }

  /** Operations waiting or running. */
  get pending(): number {
    return this.queued
  }

  /** Run fn after every operation queued before it has finished (whether it failed or not). */
  run<T>(fn: (store: SnapshotStore) => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the snapshot store is closed'))
    this.queued++
    const result = this.tail.then(() => fn(this.store))
    this.tail = result.then(
      () => this.queued--,
      () => this.queued--
    )
    return result
  }

  /** Wait for the queue to drain, then release the lock. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.tail
    this.store.releaseBuffers()
    this.release()
  }
}
