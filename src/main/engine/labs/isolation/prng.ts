// Seeded randomness for the isolation lab: every draw of an experiment (flaws, secrets, attacker seeds) comes from
// here, so the same seed gives the same trials. mulberry32 (Tommy Ettinger's 32-bit generator) seeded per trial.

/** A 32-bit generator: next() returns an unsigned 32-bit integer, float() a number in [0, 1). */
export class Prng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  float(): number {
    return this.next() / 4294967296
  }
}

/** The generator of trial `trial` of an experiment seeded `seed`: independent of the configuration, so every
 * configuration sees the same flaws and secrets in the same trial (common random numbers). */
export function trialPrng(seed: number, trial: number): Prng {
  const mixed = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(trial + 1, 0xc2b2ae35)
  const g = new Prng(mixed)
  g.next()
  return g
}
