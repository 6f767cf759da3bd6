// The console scrollback the service keeps per VM, so a console opened after boot shows what came before.
export class SerialBuffer {
  private buf: Uint8Array
  private len = 0

  constructor(private readonly capacity = 64 * 1024) {
    this.buf = new Uint8Array(capacity)
  }

  append(bytes: Uint8Array): void {
    if (bytes.length >= this.capacity) {
      this.buf.set(bytes.subarray(bytes.length - this.capacity))
      this.len = this.capacity
      return
    }
    const overflow = this.len + bytes.length - this.capacity
    if (overflow > 0) {
      this.buf.copyWithin(0, overflow, this.len)
      this.len -= overflow
    }
    this.buf.set(bytes, this.len)
    this.len += bytes.length
  }

  contents(): Uint8Array {
    return this.buf.slice(0, this.len)
  }

  clear(): void {
    this.len = 0
  }
}
