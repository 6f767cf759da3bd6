// Sv32 as the VMM sees it: walking the guest's own page table in guest-physical memory (the way the hardware
// walker would, including the A/D update), plus PTE bit constants shared by the shadow MMU.
import { ACCESS_FETCH as ACCESS_FETCH_, ACCESS_STORE as ACCESS_STORE_, type AccessKind } from '../cpu/types'
import * as CSR_BITS from '../cpu/csr'

// Module-local copies: tsx/esbuild turn imported bindings into getter calls on every use, which the walk (run on
// every hidden fault) must not pay.
const ACCESS_FETCH = ACCESS_FETCH_
const ACCESS_STORE = ACCESS_STORE_
const { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X, SATP_MODE_SV32 } = CSR_BITS

export { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X, SATP_MODE_SV32 }
export const PAGE_SHIFT = 12

/** Guest-physical memory as the VMM reads it (RAM only; devices are not page tables). */
export interface GuestPhysMem {
  isRam(gpa: number): boolean
  /** Post-copy: the page holding gpa has not arrived yet. */
  isMissing(gpa: number): boolean
  read32(gpa: number): number
  /** A store by the VMM on the guest's behalf (marks the page dirty). */
  write32(gpa: number, value: number): void
}

export interface WalkContext {
  satp: number
  /** Privilege the access is made at (0 = U, 1 = S), after MPRV-like adjustments. */
  priv: number
  sum: boolean
  mxr: boolean
}

export type WalkResult =
  | {
      ok: true
      gpa: number
      /** Leaf PTE after the A/D update (synthetic R/W/X/U for a bare satp). */
      pte: number
      /** Guest-physical page numbers of the page-table pages read (root first). */
      tables: number[]
    }
  | { ok: false; fault: 'page' | 'access'; tables: number[] }
  | { ok: false; fault: 'missing'; gpa: number; tables: number[] }

const BARE_PTE = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D

/** Whether a leaf PTE permits `access` at ctx's privilege (U/SUM/MXR rules of the privileged spec). */
export function leafAllows(pte: number, access: AccessKind, ctx: WalkContext): boolean {
  const user = (pte & PTE_U) !== 0
  if (ctx.priv === 0 && !user) return false
  if (ctx.priv === 1 && user && (access === ACCESS_FETCH || !ctx.sum)) return false
  if (access === ACCESS_FETCH) return (pte & PTE_X) !== 0
  if (access === ACCESS_STORE) return (pte & PTE_W) !== 0
  return (pte & PTE_R) !== 0 || (ctx.mxr && (pte & PTE_X) !== 0)
}

/** Translates guest-virtual `va` for `access`. With `updateAD`, sets A (and D for stores) in the guest PTE as
 * the hardware walker would. */
export function walkGuest(mem: GuestPhysMem, ctx: WalkContext, va: number, access: AccessKind, updateAD: boolean): WalkResult {
  va >>>= 0
  const tables: number[] = []
  if ((ctx.satp & SATP_MODE_SV32) === 0) return { ok: true, gpa: va, pte: BARE_PTE, tables }
  let table = ((ctx.satp & 0x3fffff) * 4096) >>> 0
  for (let level = 1; level >= 0; level--) {
    const vpn = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff
    const pteAddr = (table + vpn * 4) >>> 0
    if (!mem.isRam(pteAddr)) return { ok: false, fault: 'access', tables }
    if (mem.isMissing(pteAddr)) return { ok: false, fault: 'missing', gpa: pteAddr, tables }
    tables.push(table >>> PAGE_SHIFT)
    let pte = mem.read32(pteAddr)
    if ((pte & PTE_V) === 0 || ((pte & PTE_R) === 0 && (pte & PTE_W) !== 0)) return { ok: false, fault: 'page', tables }
    const ppn = pte >>> 10
    if ((pte & (PTE_R | PTE_X)) === 0) {
      if (level === 0) return { ok: false, fault: 'page', tables }
      if (ppn >= 0x100000) return { ok: false, fault: 'access', tables } // beyond our 32-bit physical space
      table = ppn * 4096
      continue
    }
    if (level === 1 && (ppn & 0x3ff) !== 0) return { ok: false, fault: 'page', tables } // misaligned superpage
    if (!leafAllows(pte, access, ctx)) return { ok: false, fault: 'page', tables }
    if (updateAD) {
      const want = PTE_A | (access === ACCESS_STORE ? PTE_D : 0)
      if ((pte & want) !== want) {
        pte = (pte | want) >>> 0
        mem.write32(pteAddr, pte)
      }
    }
    if (ppn >= 0x100000) return { ok: false, fault: 'access', tables }
    const offset = level === 1 ? va & 0x3fffff : va & 0xfff
    return { ok: true, gpa: ppn * 4096 + offset, pte, tables }
  }
  return { ok: false, fault: 'page', tables }
}
