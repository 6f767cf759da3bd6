// What a VM offers its host's network clock (host/host-network.ts): the network runs its events conservatively,
// only as far as every VM on the host has got, and needs to know where each VM is, whether it sleeps, and to be
// able to wake it or run it forward. All times are the VM's own virtual cycles (guest time).

export interface ClockMember {
  /** The VM's virtual time now. */
  clockNow(): number
  /** null while the vCPU is awake; while it waits for an interrupt, the time of its next own timer event
   * (Infinity when none is armed): it does nothing before then unless a frame or input wakes it. */
  sleepingUntil(): number | null
  /** How far this VM may sleep in wall-clock terms (the app paces idle guests to real time); Infinity when
   * unpaced. */
  paceLimit(): number
  /** A frame for this VM arrives at `t`: a sleeping vCPU slept until then (its clock moves to `t`). */
  wakeAt(t: number): void
  /** Run the VM until its time reaches `t` or it sleeps past it (the network needs it there to run an event).
   * Does nothing while the VM is already running (it is on the call stack). */
  advanceTo(t: number): void
}
