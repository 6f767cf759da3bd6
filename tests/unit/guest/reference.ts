// Independent TypeScript computations of what the guest workloads must print (different algorithms from the
// guest's C where there is a choice: a sieve instead of trial division, a table CRC, the JS sort).
const u32 = (x: number): number => x >>> 0
const hex8 = (x: number): string => '0x' + u32(x).toString(16).padStart(8, '0')

export function primesBelow(limit: number): number {
  const composite = new Uint8Array(limit)
  let count = 0
  for (let n = 2; n < limit; n++) {
    if (composite[n]) continue
    count++
    for (let m = n * n; m < limit; m += n) composite[m] = 1
  }
  return count
}

export function longestCollatz(limit: number): { start: number; steps: number } {
  const memo = new Map<number, number>([[1, 0]])
  const steps = (n: number): number => {
    const path: number[] = []
    let x = n
    while (!memo.has(x)) {
      path.push(x)
      x = x % 2 ? 3 * x + 1 : x / 2
    }
    let s = memo.get(x)!
    for (let i = path.length - 1; i >= 0; i--) memo.set(path[i], ++s)
    return memo.get(n)!
  }
  let best = { start: 1, steps: 0 }
  for (let n = 1; n < limit; n++) {
    const s = steps(n)
    if (s > best.steps) best = { start: n, steps: s }
  }
  return best
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return u32(c)
})

/** CRC-32 of the bytes (x >> 16) & 0xff of the LCG x = x * 1103515245 + 12345 (x0 = 1). */
export function lcgCrc32(bytes: number): string {
  let crc = 0xffffffff
  let x = 1
  for (let i = 0; i < bytes; i++) {
    x = u32(Math.imul(x, 1103515245) + 12345)
    crc = crcTable[(crc ^ (x >>> 16)) & 0xff] ^ (crc >>> 8)
  }
  return hex8(crc ^ 0xffffffff)
}

function xorshift32(x: number): number {
  x = u32(x ^ (x << 13))
  x = u32(x ^ (x >>> 17))
  return u32(x ^ (x << 5))
}

export function sortChecksum(count: number): string {
  const a = new Uint32Array(count)
  let x = 2463534242
  for (let i = 0; i < count; i++) a[i] = x = xorshift32(x)
  a.sort()
  let sum = 0
  for (let i = 0; i < count; i++) sum = u32(sum + Math.imul(a[i], i + 1))
  return hex8(sum)
}

export function cpuChecksum(iters: number): string {
  let x = 0x12345678
  let acc = 0x811c9dc5
  for (let i = 0; i < iters; i++) {
    x = xorshift32(x)
    acc = u32(Math.imul(u32(acc ^ x), 0x01000193) + i)
  }
  return hex8(acc)
}

/** The last value the io workload writes to the 8-bit scratch register. */
export function ioReadback(count: number): string {
  const i = count - 1
  return '0x' + ((i ^ (i >>> 8)) & 0xff).toString(16).padStart(2, '0')
}

/** Sum of every word the dirty workload writes: in pass n (1-based) page p gets words (n * 0x10001 ^ p) + k,
 * k < words. */
export function dirtyChecksum(pages: number, passes: number, words = 1): string {
  let sum = 0
  for (let n = 1; n <= passes; n++) {
    for (let p = 0; p < pages; p++) {
      const v = u32(Math.imul(n, 0x10001) ^ p)
      // the k terms summed in closed form: words * v + words * (words - 1) / 2
      sum = u32(sum + Math.imul(words, v) + (words * (words - 1)) / 2)
    }
  }
  return hex8(sum)
}

/** The four self-test lines, in pid order (pids 1..4 on a fresh boot). */
export function selftestLines(firstPid = 1): string[] {
  const c = longestCollatz(20000)
  return [
    `[${firstPid}] primes: ${primesBelow(30000)} primes below 30000`,
    `[${firstPid + 1}] collatz: longest chain below 20000 starts at ${c.start} (${c.steps} steps)`,
    `[${firstPid + 2}] crc32: ${lcgCrc32(65536)} over 65536 bytes`,
    `[${firstPid + 3}] sort: 2048 values sorted, checksum ${sortChecksum(2048)}`
  ]
}
