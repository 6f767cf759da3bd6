// A virtual-time event queue (cycles at the 1 GHz nominal clock): events run in time order, ties in the order
// they were scheduled, so runs are deterministic.

interface Pending {
  at: number
  seq: number
  run: () => void
}

export class EventQueue {
  private heap: Pending[] = []
  private seq = 0
  private current = 0
  /** Where "now" comes from when the queue is driven by a running vCPU (its virtual cycles). */
  clock: (() => number) | null = null

  /** Virtual time: the later of the last event run and the attached clock. */
  get now(): number {
    if (this.running || !this.clock) return this.current
    return Math.max(this.current, this.clock())
  }

  private running = false

  /** The time of the last event run (or the last runUntil target), whatever clock is attached. */
  get present(): number {
    return this.current
  }

  /** Run what is due by the attached clock (call before a device looks at the network). */
  catchUp(): number {
    return this.clock ? this.runUntil(this.clock()) : 0
  }

  schedule(at: number, run: () => void): void {
    const e = { at: Math.max(at, this.now), seq: this.seq++, run }
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(h[i], h[p])) break
      ;[h[i], h[p]] = [h[p], h[i]]
      i = p
    }
  }

  get nextAt(): number | null {
    return this.heap.length ? this.heap[0].at : null
  }

  get size(): number {
    return this.heap.length
  }

  /** Run every event due at or before `t` (events they schedule too, if due), then set now = t. */
  runUntil(t: number): number {
    let n = 0
    const outer = this.running
    this.running = true
    try {
      while (this.heap.length && this.heap[0].at <= t) {
        const e = this.pop()
        this.current = e.at
        e.run()
        n++
      }
    } finally {
      this.running = outer
    }
    this.current = Math.max(this.current, t)
    return n
  }

  private pop(): Pending {
    const h = this.heap
    const top = h[0]
    const last = h.pop() as Pending
    if (h.length) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && before(h[l], h[m])) m = l
        if (r < h.length && before(h[r], h[m])) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m], h[i]]
        i = m
      }
    }
    return top
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
