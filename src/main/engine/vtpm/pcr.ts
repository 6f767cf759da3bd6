// PCR banks (sha1 and sha256, 24 PCRs each): extend (new = H(old ‖ digest)), read, reset, and the digest of a
// PCR selection as TPM2_Quote and TPM2_PolicyPCR compute it (H of the selected values, bank by bank, in order).
import { BANKS, HASH_SIZE, type HashName, PCR_COUNT } from './constants'
import { EngineError } from '../errors'
import { hash } from './kdf'
import type { PcrSelection } from './structures'

export class PcrBanks {
  private readonly banks: Record<HashName, Uint8Array[]>

  constructor() {
    this.banks = { sha1: [], sha256: [] }
    this.reset()
  }

  reset(): void {
    for (const b of BANKS) this.banks[b] = Array.from({ length: PCR_COUNT }, () => new Uint8Array(HASH_SIZE[b]))
  }

  private check(pcr: number): void {
    if (!Number.isInteger(pcr) || pcr < 0 || pcr >= PCR_COUNT)
      throw new EngineError('VTPM_BAD_PCR', `PCR ${pcr} does not exist (0..${PCR_COUNT - 1})`, { pcr })
  }

  /** PCR_Extend with one digest per bank. */
  extend(pcr: number, digests: Record<HashName, Uint8Array>): void {
    this.check(pcr)
    for (const b of BANKS) {
      if (digests[b].length !== HASH_SIZE[b])
        throw new EngineError('VTPM_BAD_DIGEST', `${b} digest must be ${HASH_SIZE[b]} bytes`, { bank: b })
      this.banks[b][pcr] = hash(b, this.banks[b][pcr], digests[b])
    }
  }

  read(bank: HashName, pcr: number): Uint8Array {
    this.check(pcr)
    return this.banks[bank][pcr].slice()
  }

  /** H(selected PCR values in selection order) with the given hash. */
  selectionDigest(sels: readonly PcrSelection[], alg: HashName): Uint8Array {
    return hash(alg, ...this.values(sels))
  }

  values(sels: readonly PcrSelection[]): Uint8Array[] {
    const out: Uint8Array[] = []
    for (const s of sels) for (const p of s.pcrs) out.push(this.read(s.hash, p))
    return out
  }

  /** All values, bank by bank (sha1 then sha256), for serialization. */
  dump(): Uint8Array[] {
    return BANKS.flatMap((b) => this.banks[b])
  }

  load(values: readonly Uint8Array[]): void {
    let i = 0
    for (const b of BANKS) for (let p = 0; p < PCR_COUNT; p++) this.banks[b][p] = values[i++].slice()
  }
}
