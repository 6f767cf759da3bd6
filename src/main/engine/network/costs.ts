// Network-side costs in virtual cycles (1 GHz nominal: 1 cycle = 1 ns). Exit costs come from vmm/costs.ts; these
// are the parts of a packet's trip that are not VM exits. Editable like the exit costs.

export interface NetCosts {
  /** Host software switch work per frame (bridge lookup, queueing to the output port). Our estimate: about 1 µs
   * per packet for a kernel bridge/OVS datapath hop, the order of magnitude the Open vSwitch NSDI 2015 paper
   * ("The Design and Implementation of Open vSwitch", Pfaff et al.) reports for its kernel fast path
   * (~1 M packets/s per core in its cache-hit case). */
  switchPerFrame: number
  /** Frames from an SR-IOV VF are switched by the NIC's embedded bridge (VEB) in hardware: no host CPU work. */
  vfSwitchPerFrame: number
  /** Link speed, Gbit/s: a 10 GbE port, as on the SR-IOV NICs that defined the category (Intel 82599, 64 VFs per
   * port per its datasheet). */
  linkGbps: number
  /** The external endpoint's time to turn an echo around (a fast host's kernel-bypass responder: ~2 µs). */
  endpointTurnaround: number
}

export const DEFAULT_NET_COSTS: Readonly<NetCosts> = Object.freeze({
  switchPerFrame: 1000,
  vfSwitchPerFrame: 0,
  linkGbps: 10,
  endpointTurnaround: 2000
})
