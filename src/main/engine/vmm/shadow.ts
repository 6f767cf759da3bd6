// Shadow Sv32 page tables for trap-and-emulate: guest-virtual → host-physical, built by the VMM in a pool of
// host pages placed after guest RAM (reachable by the hart's bus, never mappable by the guest, whose RAM ends
// before it). Two contexts: one for the guest's virtual S-mode and one for its virtual U-mode, so that guest
// pages with U=0 are never reachable while the guest runs its user code. The hart always runs the guest in real
// U-mode, so every shadow leaf carries U=1 (and A=1, D=W so the hart never has to update them).
import { PTE_A as PTE_A_, PTE_D as PTE_D_, PTE_R as PTE_R_, PTE_U as PTE_U_, PTE_V as PTE_V_, PTE_W as PTE_W_, PTE_X as PTE_X_, SATP_MODE_SV32 as SATP_MODE_SV32_, PAGE_SHIFT as PAGE_SHIFT_ } from './sv32'

// Module-local copies: tsx/esbuild turn imported bindings into getter calls on every use (hidden-fault path).
const PTE_A = PTE_A_
const PTE_D = PTE_D_
const PTE_R = PTE_R_
const PTE_U = PTE_U_
const PTE_V = PTE_V_
const PTE_W = PTE_W_
const PTE_X = PTE_X_
const SATP_MODE_SV32 = SATP_MODE_SV32_
const PAGE_SHIFT = PAGE_SHIFT_

export const CTX_S = 0
export const CTX_U = 1
export type ShadowCtx = typeof CTX_S | typeof CTX_U

const WORDS_PER_PAGE = 1024

export class ShadowMmu {
  private readonly words: Uint32Array
  private readonly poolPpn: number
  private free: number[] = []
  private used: number[] = []
  private roots: [number, number] = [0, 0]
  /** Guest/host page number → pool word indices of shadow leaves that map it. */
  private rmap = new Map<number, number[]>()
  /** Pages allocated since creation (for stats and tests). */
  fills = 0

  /**
   * @param host the hart's RAM buffer (guest RAM followed by the pool)
   * @param hostBase physical address of host[0]
   * @param poolOffset byte offset of the pool in `host` (page aligned)
   * @param poolPages pages in the pool (at least 4)
   */
  constructor(host: Uint8Array, hostBase: number, poolOffset: number, readonly poolPages: number) {
    this.words = new Uint32Array(host.buffer, host.byteOffset + poolOffset, poolPages * WORDS_PER_PAGE)
    this.poolPpn = (hostBase + poolOffset) >>> PAGE_SHIFT
    this.reset()
  }

  private reset(): void {
    for (const p of this.used) this.words.fill(0, p * WORDS_PER_PAGE, (p + 1) * WORDS_PER_PAGE)
    this.used = []
    this.free = []
    for (let p = this.poolPages - 1; p >= 0; p--) this.free.push(p)
    this.rmap.clear()
    this.roots = [this.alloc(), this.alloc()]
  }

  private alloc(): number {
    const p = this.free.pop()
    if (p === undefined) throw new Error('shadow pool exhausted')
    this.used.push(p)
    return p
  }

  /** satp value that makes the hart walk context `ctx`. */
  satpFor(ctx: ShadowCtx): number {
    return (SATP_MODE_SV32 | (this.poolPpn + this.roots[ctx])) >>> 0
  }

  /** Drops every shadow entry (new guest address space, or pool exhausted). */
  flushAll(): void {
    this.reset()
  }

  /** Installs a 4 KiB leaf va → hpa with `perms` (subset of R|W|X). Returns false if the pool had to be flushed
   * to make room (the mapping is still installed). */
  map(ctx: ShadowCtx, va: number, hpa: number, perms: number): boolean {
    let flushed = false
    if (this.free.length === 0 && this.l0Index(ctx, va) < 0) {
      this.reset()
      flushed = true
    }
    let l0 = this.l0Index(ctx, va)
    if (l0 < 0) {
      const page = this.alloc()
      this.words[this.roots[ctx] * WORDS_PER_PAGE + (va >>> 22)] = (((this.poolPpn + page) << 10) | PTE_V) >>> 0
      l0 = page
    }
    const idx = l0 * WORDS_PER_PAGE + ((va >>> 12) & 0x3ff)
    const ppn = hpa >>> PAGE_SHIFT
    const w = perms & PTE_W ? PTE_W | PTE_D : 0
    this.words[idx] = ((ppn << 10) | PTE_V | PTE_U | PTE_A | (perms & (PTE_R | PTE_X)) | w) >>> 0
    let list = this.rmap.get(ppn)
    if (!list) this.rmap.set(ppn, (list = []))
    if (!list.includes(idx)) list.push(idx)
    this.fills++
    return !flushed
  }

  private l0Index(ctx: ShadowCtx, va: number): number {
    const root = this.words[this.roots[ctx] * WORDS_PER_PAGE + (va >>> 22)]
    if ((root & PTE_V) === 0) return -1
    return (root >>> 10) - this.poolPpn
  }

  /** The shadow leaf for va in ctx (0 if none). */
  lookup(ctx: ShadowCtx, va: number): number {
    const l0 = this.l0Index(ctx, va)
    return l0 < 0 ? 0 : this.words[l0 * WORDS_PER_PAGE + ((va >>> 12) & 0x3ff)]
  }

  /** Removes the leaf for va in both contexts (after a guest PTE write or sfence.vma va). */
  zapPage(va: number): void {
    for (const ctx of [CTX_S, CTX_U] as const) {
      const l0 = this.l0Index(ctx, va)
      if (l0 >= 0) this.words[l0 * WORDS_PER_PAGE + ((va >>> 12) & 0x3ff)] = 0
    }
  }

  /** Removes every leaf of the 4 MiB region `vpn1` in both contexts (after a guest root-table PTE write). */
  zapRegion(vpn1: number): void {
    for (const ctx of [CTX_S, CTX_U] as const) {
      const l0 = this.l0Index(ctx, (vpn1 << 22) >>> 0)
      if (l0 < 0) continue
      this.words.fill(0, l0 * WORDS_PER_PAGE, (l0 + 1) * WORDS_PER_PAGE)
      this.words[this.roots[ctx] * WORDS_PER_PAGE + vpn1] = 0
      const at = this.used.indexOf(l0)
      if (at >= 0) this.used.splice(at, 1)
      this.free.push(l0)
    }
  }

  /** Clears W on every shadow leaf that maps physical page `ppn`. Returns true if any leaf changed. */
  writeProtect(ppn: number): boolean {
    const list = this.rmap.get(ppn)
    if (!list) return false
    let changed = false
    const live: number[] = []
    for (const idx of list) {
      const pte = this.words[idx]
      if ((pte & PTE_V) === 0 || pte >>> 10 !== ppn) continue // stale: zapped or remapped since
      live.push(idx)
      if (pte & PTE_W) {
        this.words[idx] = (pte & ~(PTE_W | PTE_D)) >>> 0
        changed = true
      }
    }
    if (live.length) this.rmap.set(ppn, live)
    else this.rmap.delete(ppn)
    return changed
  }

  /** Clears W on every shadow leaf (start of dirty tracking). */
  writeProtectAll(): void {
    for (const ppn of [...this.rmap.keys()]) this.writeProtect(ppn)
  }

  pagesInUse(): number {
    return this.used.length
  }
}
