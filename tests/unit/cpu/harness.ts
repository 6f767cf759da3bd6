// A hart on a plain bus (1 MiB of RAM at 0x80000000, nothing else) for instruction-level tests.
import { Hart } from '../../../src/main/engine/cpu/hart'
import { SystemBus } from '../../../src/main/engine/machine/bus'

export const BASE = 0x80000000

export function makeHart(program: number[], ramBytes = 1 << 18): { hart: Hart; bus: SystemBus } {
  const bus = new SystemBus(BASE, ramBytes)
  const dv = new DataView(bus.ram.buffer)
  program.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true))
  const hart = new Hart(bus)
  hart.reset(BASE)
  return { hart, bus }
}

export function word(bus: SystemBus, addr: number): number {
  return bus.read(addr, 4)
}

export function putWord(bus: SystemBus, addr: number, v: number): void {
  bus.write(addr, 4, v >>> 0)
}

/** Unsigned view of a register. */
export const reg = (hart: Hart, i: number): number => hart.x[i] >>> 0
