// Containment: recognizes a guest that has stopped making progress or is hammering the VMM, so that only its own
// VM halts (with a code the UI translates) while the host worker and the other VMs carry on.

/** Instructions per observation window of the illegal-instruction storm detector. */
export const STORM_WINDOW = 1 << 20
/** Illegal-instruction traps within one window that count as a storm. A kernel that emulates the odd missing
 * instruction stays far below; a guest looping on garbage is far above (one trap every few instructions). */
export const STORM_LIMIT = 4096
/** Exceptions the VMM reflects into the guest back to back, without the guest returning from any (sret), before
 * we call it a triple fault. */
export const NESTED_TRAP_LIMIT = 64
/** Instructions retired between two reflected exceptions that count as progress (the handler ran and returned). */
export const PROGRESS_INSTRUCTIONS = 256

export interface GuardVerdict {
  code: string
  params: Record<string, string | number>
}

/** An address or pc as crash parameters show it. */
export const hex = (n: number): string => '0x' + (n >>> 0).toString(16)

export class Guard {
  /** @param returnsVisible the VMM sees the guest's sret (trap-and-emulate); otherwise only a fault at the handler
   * entry itself counts as a triple fault */
  constructor(private readonly returnsVisible: boolean) {}

  private windowStart = 0
  private illegalInWindow = 0
  private nested = 0
  private lastReflect = 0

  /** An illegal instruction the VMM could not emulate (reflected to the guest). */
  illegal(instructions: number, epc: number): GuardVerdict | null {
    if (instructions - this.windowStart >= STORM_WINDOW) {
      this.windowStart = instructions
      this.illegalInWindow = 0
    }
    if (++this.illegalInWindow >= STORM_LIMIT) {
      return { code: 'GUEST_ILLEGAL_STORM', params: { count: this.illegalInWindow, instructions: STORM_WINDOW, pc: hex(epc) } }
    }
    return null
  }

  /** An exception is being delivered to the guest's handler at `handler`. */
  reflect(cause: number, epc: number, handler: number, instructions: number): GuardVerdict | null {
    if (instructions - this.lastReflect >= PROGRESS_INSTRUCTIONS) this.nested = 0
    this.lastReflect = instructions
    this.nested++
    if (epc >>> 0 === handler >>> 0 || (this.returnsVisible && this.nested > NESTED_TRAP_LIMIT)) {
      return { code: 'GUEST_TRIPLE_FAULT', params: { cause, pc: hex(epc), handler: hex(handler) } }
    }
    return null
  }

  /** The guest returned from a trap (sret): it is making progress. */
  returned(): void {
    this.nested = 0
  }

  save(): Record<string, number> {
    return { windowStart: this.windowStart, illegalInWindow: this.illegalInWindow, nested: this.nested, lastReflect: this.lastReflect }
  }

  load(s: Record<string, number>): void {
    this.windowStart = s.windowStart ?? 0
    this.illegalInWindow = s.illegalInWindow ?? 0
    this.nested = s.nested ?? 0
    this.lastReflect = s.lastReflect ?? 0
  }
}

/** `jal x0, 0`: an instruction that jumps to itself. */
export const SELF_LOOP = 0x0000006f
