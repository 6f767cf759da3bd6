/** Thrown by a Bus for an access where nothing is mapped; the hart turns it into an access fault. */
export class BusError extends Error {
  constructor(readonly addr: number) {
    super(`bus error at 0x${(addr >>> 0).toString(16)}`)
    this.name = 'BusError'
  }
}
