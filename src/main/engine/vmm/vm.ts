// A VM: one vCPU (the hart), guest RAM, emulated devices, the VMM acting as firmware (SBI), virtual time, exit
// accounting, and one of the two virtualization modes. Implements VmInstance (api.ts) and PostcopyTarget.
import { Hart } from '../cpu/hart'
import { EngineError } from '../errors'
import { SystemBus, BusError, type MmioDevice } from '../machine/bus'
import * as B from '../machine/board'
import { parseElf, loadElfIntoRam, type ElfImage } from '../machine/elf'
import { Uart16550, type UartState } from '../devices/uart16550'
import { Clint, type ClintState } from '../devices/clint'
import { Plic, type PlicState } from '../devices/plic'
import { Finisher } from '../devices/finisher'
import type { ExitReason, VmConfig, VmHalt, VmInstance, VmStats, VmStepResult, VmStepStatus } from './api'
import type { DirtyLog, PostcopyTarget, VmMachineState } from './vm-state'
import { PAGE_SIZE } from './vm-state'
import { resolveCosts, type CostTable } from './costs'
import { ExitLog } from './exits'
import { Guard, SELF_LOOP, hex } from './guard'
import { GuestMemory } from './guest-mem'
import { handleSbi, type SbiEnv } from './sbi'
import { decodeMem, amoResult, extendLoad } from './insn'
import type { ModeImpl, VmCore } from './mode'
import { measureVmBoot, saveVtpm, loadVtpm, DEFAULT_CMDLINE, type VTpm } from '../vtpm'
import { TrapEmulateMode, SHADOW_POOL_PAGES } from './trap-emulate'
import { HwAssistMode } from './hw-assist'
import { loadNic, macForVm, plugNic, saveNic, type VmNetwork } from './nic'
import { builtInCmdline, vmmCmdline } from './cmdline'
import type { NicAttachment, NicHost } from '../devices/net/attach'
import type { ClockMember } from '../network/clock-member'

/** Bytes the VMM may write into the guest's `boot_cmdline` array, including the terminating NUL. The guest must
 * reserve at least this much. */
export const CMDLINE_MAX = 256
/** Run-loop iterations per step() call after which we return even if no instruction retired (a guest trapping on
 * every instruction still yields to the scheduler). */
const MAX_LOOPS_PER_STEP = 10_000
const CRASH_EXIT_CODE = 255
/** SBI timer deadlines from here on (mtime ticks; 2^63 at 10 MHz is 29,000 years) mean "no timer". */
const TIMER_NEVER = 2 ** 63
/** Length of a dirty-stats epoch in virtual cycles (100 ms): VmStats.dirtyPages counts the first write to each
 * page per epoch. Short enough that a working set larger than rate × epoch shows its true rate; long enough that
 * the few pages every tick writes (stacks, scheduler state) stay a small share. */
export const DIRTY_EPOCH_CYCLES = 100_000_000
/** Longest guest run (instructions) between two looks at the network, and the shortest: bounds how late the
 * guest sees a frame that arrived while it ran. */
const NET_SLICE_MAX = 50_000
const NET_SLICE_MIN = 500

/** What the VM is plugged into beyond its own board. */
export interface VmEnv {
  /** The host network its NIC (config.nic) connects to; without one the NIC's frames go nowhere. */
  network?: VmNetwork
}

/** Builds the VM with the NIC config.nic asks for, plugged into `env.network`, and the platform's words on the
 * kernel command line (cmdline.ts: `net=` matching the NIC, `mem=` the RAM size). Refusals of a VF the host cannot
 * give throw EngineError (IO_NO_IOMMU, ...). */
export function createVm(config: VmConfig, elf: Uint8Array, env: VmEnv = {}): VmInstance & PostcopyTarget {
  // without a line of its own the VM boots the image's built-in one, with the platform's words added
  const vm = new Vm({ ...config, cmdline: vmmCmdline(config.cmdline ?? builtInCmdline(elf), config) }, elf)
  vm.plugNic(env.network ?? null)
  return vm
}

export class Vm implements VmInstance, PostcopyTarget, VmCore, ClockMember {
  readonly hart: Hart
  readonly mem: GuestMemory
  readonly costs: CostTable
  readonly guard: Guard
  readonly symbols: ReadonlyMap<string, number>
  readonly dirtyLog: DirtyLog
  readonly uart: Uart16550
  readonly plic: Plic
  readonly clint: Clint
  private readonly devices: SystemBus
  private readonly image: ElfImage
  private readonly mode: ModeImpl
  private readonly exits = new ExitLog()
  private serialOut: number[] = []
  private haltState: VmHalt | null = null
  /** SBI timer deadline in mtime ticks, or null when none is armed. */
  private timerDeadline: number | null = null
  private timerFired = false
  private waiting = false
  private externalLevel = false
  /** The pending bit of the VM's interrupt file for posted interrupts (an SR-IOV VF's: see postedInterrupts). */
  private postedPending = false
  /** Inside loadState: devices re-assert their saved interrupt lines, which is not an exit. */
  private restoring = false
  private missingPage = -1
  private tpm: VTpm | null = null
  /** A VMM-side periodic timer (issue 7: polling a directly mapped device page). */
  private hostTimer: { period: number; next: number; cost: number; fn: () => void } | null = null
  /** Virtual time at which the current dirty-stats epoch ends. */
  private epochEnd = DIRTY_EPOCH_CYCLES
  /** The NIC createVm plugged in for config.nic (null: none, or the caller attaches devices itself). */
  nic: NicAttachment | null = null
  private network: VmNetwork | null = null
  /** Pages the NIC wrote by DMA while the dirty log is on (the device bypasses the EPT / shadow write-protection,
   * so they are merged into collect() as QEMU marks DMA writes dirty). */
  private dmaDirty: Set<number> | null = null
  /** Wall-clock pace of idle skipping (the app's host runtime): the latest virtual time a sleeping vCPU may
   * reach now; null = pure virtual time. */
  private pacer: (() => number) | null = null
  /** runNetworked frames on the call stack (the host network must not run this VM forward meanwhile). */
  private inRun = 0

  constructor(
    readonly config: VmConfig,
    private readonly elf: Uint8Array
  ) {
    const mib = config.memoryMiB
    if (!Number.isInteger(mib) || mib < 1 || mib > B.MAX_MEMORY_MIB) {
      throw new EngineError('VMM_BAD_MEMORY_SIZE', `memory size ${mib} MiB is not between 1 and ${B.MAX_MEMORY_MIB}`, { memoryMiB: mib, max: B.MAX_MEMORY_MIB })
    }
    if (config.mode !== 'trap-and-emulate' && config.mode !== 'hardware-assisted') {
      throw new EngineError('VMM_BAD_MODE', `unknown virtualization mode "${String(config.mode)}"`, { mode: String(config.mode) })
    }
    this.costs = resolveCosts(config.costs)
    this.guard = new Guard(config.mode === 'trap-and-emulate')
    this.image = parseElf(elf)
    this.symbols = this.image.symbols
    const tne = config.mode === 'trap-and-emulate'
    this.mem = new GuestMemory(B.RAM_BASE, mib * 1024 * 1024, tne ? SHADOW_POOL_PAGES * PAGE_SIZE : 0)
    this.hart = new Hart(this.mem.bus)
    this.hart.jit = config.jit ?? true
    this.hart.trackWrites(this.mem.pages)

    this.devices = new SystemBus(B.RAM_BASE, 0)
    this.plic = new Plic((ctx, level) => {
      if (ctx === 1) this.setExternal(level)
    })
    this.uart = new Uart16550(
      (b) => this.serialOut.push(b),
      (level) => this.plic.setLevel(B.UART0_IRQ, level)
    )
    // The guest reads mtime through the CLINT if it wants; its timer interrupt comes from SBI set_timer.
    this.clint = new Clint({ cycles: () => this.hart.now(), setMsip: () => {}, setMtip: () => {}, timerChanged: () => {} })
    const finisher = new Finisher((e) => (e.kind === 'poweroff' ? this.powerOff(e.exitCode) : this.reboot()))
    this.devices.map('finisher', B.FINISHER_BASE, B.FINISHER_SIZE, finisher)
    this.devices.map('clint', B.CLINT_BASE, B.CLINT_SIZE, this.clint)
    this.devices.map('plic', B.PLIC_BASE, B.PLIC_SIZE, this.plic)
    this.devices.map('uart0', B.UART0_BASE, B.UART0_SIZE, this.uart)

    this.mode = tne ? new TrapEmulateMode(this) : new HwAssistMode(this)
    // stores the VMM makes on the guest's behalf (emulated page-table writes, A/D updates) bypass the hart
    const modeHook = this.mem.onHostWrite
    this.mem.onHostWrite = (page) => {
      modeHook(page)
      if (page >= 0) this.ramWritten(page * PAGE_SIZE, 1)
    }
    this.hart.hostTrap = (cause, epc, tval) => this.mode.onTrap(cause, epc, tval)
    this.hart.onDeadline = () => this.onDeadline()
    this.dirtyLog = {
      start: () => {
        this.mode.dirtyStart()
        this.dmaDirty = this.nic ? new Set() : null
      },
      collect: () => {
        const own = this.mode.dirtyCollect()
        const dma = this.dmaDirty
        if (!dma || dma.size === 0) return own
        for (const p of own) dma.add(p)
        const all = Uint32Array.from(dma).sort()
        dma.clear()
        return all
      },
      stop: () => {
        this.mode.dirtyStop()
        this.dmaDirty = null
      }
    }
    this.loadImage()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Boot

  /** Loads the ELF and enters the kernel. RAM must be zero (fresh, or cleared by reboot: touching every page of
   * a fresh buffer would commit it all to host memory for nothing). */
  private loadImage(): void {
    loadElfIntoRam(this.image, this.mem.ram, B.RAM_BASE)
    // the record of written pages (writtenPages): RAM was zero, the loader wrote the segments
    this.hart.resetWrittenRecord(true)
    for (const seg of this.image.segments) this.hart.markWritten(seg.paddr - B.RAM_BASE, seg.memsz)
    const at = this.image.symbols.get('boot_cmdline')
    if (this.config.cmdline !== undefined && at !== undefined) this.writeCmdline(at, this.config.cmdline)
    const entry = this.image.symbols.get('kernel_entry') ?? this.image.entry
    this.hart.reset(entry)
    this.timerDeadline = null
    this.timerFired = false
    this.waiting = false
    this.mode.boot(entry)
    this.newDirtyEpoch(this.hart.now())
    this.planDeadline()
  }

  private writeCmdline(at: number, cmdline: string): void {
    const bytes = new TextEncoder().encode(cmdline)
    if (bytes.length >= CMDLINE_MAX) {
      throw new EngineError('VMM_CMDLINE_TOO_LONG', `kernel command line is ${bytes.length} bytes; at most ${CMDLINE_MAX - 1} fit`, { length: bytes.length, max: CMDLINE_MAX - 1 })
    }
    const off = at - B.RAM_BASE
    if (off < 0 || off + bytes.length + 1 > this.mem.ram.length) return
    this.mem.ram.set(bytes, off)
    this.mem.ram[off + bytes.length] = 0
    this.hart.invalidateCode(off, bytes.length + 1)
    this.hart.markWritten(off, bytes.length + 1)
  }

  private reboot(): void {
    this.mode.flushTranslations()
    this.mem.ram.fill(0)
    this.loadImage()
    this.measureBoot()
  }

  // ---------------------------------------------------------------------------------------------------------
  // vTPM

  get vtpm(): VTpm | null {
    return this.tpm
  }

  attachVtpm(vtpm: VTpm): void {
    this.tpm = vtpm
    if (this.hart.instret === 0) this.measureBoot()
  }

  /** The virtual firmware's measured boot: what it loaded (firmware version, kernel ELF, command line). */
  private measureBoot(): void {
    if (this.tpm) measureVmBoot(this.tpm, this.elf, this.config.cmdline ?? DEFAULT_CMDLINE, this.hart.now() / 1e6)
  }

  // ---------------------------------------------------------------------------------------------------------
  // VmCore: services for the modes

  charge(reason: ExitReason, cost: number): void {
    this.exits.record(reason, cost)
    this.hart.cycle += cost
  }

  /** What SBI calls act on: the console is the UART's byte streams, as for a KVM guest whose VMM connects both
   * to one chardev. */
  private readonly sbiEnv: SbiEnv = {
    putchar: (b) => this.serialOut.push(b),
    getchar: () => (this.uart.rxCount() > 0 ? this.uart.read(0) : -1),
    setTimer: (t) => this.setTimer(t),
    shutdown: (failure) => this.powerOff(failure ? 1 : 0),
    reboot: () => this.reboot()
  }

  handleSbi(epc: number): void {
    const x = this.hart.x
    const args = [x[10] >>> 0, x[11] >>> 0, x[12] >>> 0, x[13] >>> 0, x[14] >>> 0, x[15] >>> 0]
    const r = handleSbi({ eid: x[17] >>> 0, fid: x[16] >>> 0, args }, this.sbiEnv)
    if (this.haltState?.kind === 'poweroff' || this.hart.pc !== epc) {
      // powered off, or rebooted (the hart was reset): nothing to resume
      this.charge('sbi', this.costs.vmExit + this.costs.sbiHandler)
      return
    }
    x[10] = r.a0 | 0
    if (r.a1 !== undefined) x[11] = r.a1 | 0
    this.completeInsn(epc)
    this.charge('sbi', this.costs.vmExit + (r.userspace ? this.costs.userspaceExit : this.costs.sbiHandler))
  }

  completeInsn(epc: number): void {
    this.hart.pc = (epc + 4) >>> 0
    this.hart.instret++
  }

  isDevice(gpa: number): boolean {
    return this.devices.find(gpa >>> 0) !== undefined
  }

  emulateDeviceAccess(epc: number, gpa: number, insn: number): boolean {
    const d = decodeMem(insn)
    if (d === null) return false
    const x = this.hart.x
    try {
      if (d.kind === 'load') {
        const v = this.devices.read(gpa, d.size)
        if (d.rd !== 0) x[d.rd] = extendLoad(v, d.size, d.signed) | 0
      } else if (d.kind === 'store') {
        this.devices.write(gpa, d.size, x[d.rs2] >>> 0)
      } else {
        if (d.op === 'lr' || d.op === 'sc') return false
        const old = this.devices.read(gpa, 4)
        this.devices.write(gpa, 4, amoResult(d.op, old, x[d.rs2] >>> 0))
        if (d.rd !== 0) x[d.rd] = old | 0
      }
    } catch (e) {
      if (e instanceof BusError) return false
      throw e
    }
    if (this.hart.pc === epc && this.haltState === null) this.completeInsn(epc)
    return true
  }

  beginReflect(cause: number, epc: number, handler: number): boolean {
    const pageFault = cause === 12 || cause === 13 || cause === 15
    this.charge(pageFault ? 'guest-page-fault-injected' : 'trap-reflected', this.costs.vmExit + this.costs.insnEmulation)
    const verdict = this.guard.reflect(cause, epc, handler, this.hart.instret)
    if (verdict) this.crash(verdict.code, verdict.params)
    return verdict === null
  }

  wildAccess(gpa: number, epc: number, access: 'fetch' | 'load' | 'store'): void {
    this.crash('GUEST_WILD_MMIO', { gpa: hex(gpa), pc: hex(epc), access })
  }

  crash(code: string, params: Record<string, string | number>): void {
    if (this.haltState) return
    this.haltState = { kind: 'crash', exitCode: CRASH_EXIT_CODE, code, params }
    this.hart.halt()
  }

  networkFault(page: number): void {
    this.missingPage = page
    this.hart.requestStop()
  }

  waitForInterrupt(): void {
    this.charge('wfi', this.costs.vmExit)
    if (this.mode.wakeupPending()) return
    this.waiting = true
    this.hart.requestStop()
  }

  private powerOff(exitCode: number): void {
    if (this.haltState) return
    this.haltState = { kind: 'poweroff', exitCode }
    this.hart.halt()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Virtual time and interrupts

  /** Guest RAM [offset, offset+length) changed behind the hart's back (device DMA, the VMM, a page install): drops
   * compiled code there and counts the pages as written in the dirty-page statistics. Every direct writer of
   * `ram` calls this (or loadState, which drops all compiled code). */
  ramWritten(offset: number, length: number): void {
    this.hart.invalidateCode(offset, length)
    this.hart.noteWritten(offset, length)
  }

  /** mtime (10 MHz) of this VM's virtual clock. */
  mtime(): number {
    return Math.floor(this.hart.now() / B.CYCLES_PER_MTIME_TICK)
  }

  private setTimer(deadline: number): void {
    // set_timer(~0) is how a guest switches its timer off (SBI spec: "clear the timer interrupt")
    this.timerDeadline = deadline >= TIMER_NEVER ? null : deadline
    this.timerFired = false
    this.mode.setTimerLevel(false)
    this.planDeadline()
  }

  /** The hart's next deadline: the SBI timer (if armed and not fired) or the host timer, whichever is first. */
  private planDeadline(): void {
    let at = this.nextTimerEvent()
    if (this.epochEnd < at) at = this.epochEnd
    this.hart.deadline = at > this.hart.now() ? at : this.hart.now()
  }

  private onDeadline(): void {
    const now = this.hart.now()
    if (now >= this.epochEnd) this.newDirtyEpoch(now)
    const ht = this.hostTimer
    if (ht && now >= ht.next) {
      this.charge('timer', this.costs.vmExit + ht.cost)
      ht.fn()
      ht.next += ht.period
    }
    if (this.timerDeadline !== null && now >= this.timerDeadline * B.CYCLES_PER_MTIME_TICK) this.onTimerDeadline()
    this.planDeadline()
  }

  // ---------------------------------------------------------------------------------------------------------
  // I/O devices (issue 7: src/main/engine/devices, labs/io)

  /** Plugs in the NIC of config.nic on `network` (createVm does this once, before the first instruction). */
  plugNic(network: VmNetwork | null): void {
    if (this.nic) return
    const host: NicHost = {
      ram: this.mem.ram,
      config: this.config,
      plic: this.plic,
      attachDevice: (n, b, sz, d) => this.attachDevice(n, b, sz, d),
      mapDirect: (n, b, sz, d) => this.mapDirect(n, b, sz, d),
      ramWritten: (offset, length) => this.dmaWritten(offset, length),
      posted: this.postedInterrupts
    }
    this.nic = plugNic(host, this.config.nic, network, macForVm(this.config.name))
    this.network = this.nic ? network : null
    this.network?.join?.(this) // the network learns this VM's clock
  }

  /** A device wrote guest RAM by DMA. */
  private dmaWritten(offset: number, length: number): void {
    this.ramWritten(offset, length)
    const d = this.dmaDirty
    if (!d) return
    const last = Math.floor((offset + Math.max(1, length) - 1) / PAGE_SIZE)
    for (let p = Math.floor(offset / PAGE_SIZE); p <= last; p++) d.add(p)
  }

  /** After step() said 'idle': true when the VM can make progress again (a frame or its timer is due, within its
   * wall-clock pace, and no VM on its host lags behind that time). */
  pendingInput(): boolean {
    if (this.network?.pending) return this.network.pending()
    const w = this.sleepingUntil()
    return w === null || (w !== Infinity && w <= this.paceLimit())
  }

  /** Pace idle skipping to wall time: `limit()` is the latest virtual time a sleeping vCPU may reach now (the host
   * runtime: its wall-clock uptime in cycles). null: pure virtual time (labs, benches, migrations, tests). */
  setPace(limit: (() => number) | null): void {
    this.pacer = limit
  }

  // ClockMember (network/clock-member.ts): what the host network's clock needs from this VM.

  clockNow(): number {
    return this.hart.now()
  }

  sleepingUntil(): number | null {
    if (this.haltState) return Infinity
    if (!this.waiting || this.mode.wakeupPending()) return null
    return this.nextTimerEvent()
  }

  paceLimit(): number {
    return this.pacer ? this.pacer() : Infinity
  }

  wakeAt(t: number): void {
    this.sleepTo(t) // it slept until the frame came
  }

  advanceTo(t: number): void {
    if (this.inRun > 0 || !this.network?.sync) return
    while (this.haltState === null && this.missingPage < 0 && this.hart.now() < t) {
      const cycle = this.hart.now()
      const instret = this.hart.instret
      this.runNetworked(Math.min(t - cycle, 1_000_000), t, true)
      if (this.hart.now() === cycle && this.hart.instret === instret) break // paced to wall time
    }
  }

  /** Maps a device model at guest-physical `base`: every guest access to it exits and is emulated ('mmio'). */
  attachDevice(name: string, base: number, size: number, dev: MmioDevice): void {
    this.devices.map(name, base, size, dev)
  }

  /** Maps a device page straight into the guest, as an SR-IOV VF's BAR is: the device goes on the hart's bus and
   * guest accesses reach `dev` without a VM exit — through an identity EPT window (hardware-assisted) or shadow
   * leaves pointing at the device page (trap-and-emulate; the first access of each page fills the shadow). */
  mapDirect(name: string, base: number, size: number, dev: MmioDevice): void {
    this.mem.bus.map(name, base, size, dev)
    this.mode.addDirect(base, size)
  }

  /** Every `periodCycles` of virtual time the vCPU exits ('timer', vmExit + handlerCycles) and `fn` runs in the
   * VMM, e.g. to poll a directly mapped page. null stops it. */
  setHostTimer(periodCycles: number | null, fn: () => void = () => {}, handlerCycles = 0): void {
    this.hostTimer = periodCycles === null ? null : { period: periodCycles, next: this.hart.now() + periodCycles, cost: handlerCycles, fn }
    this.planDeadline()
  }

  /** Starts the dirty-stats epoch that contains virtual time `now` (idle jumps may skip whole epochs). */
  private newDirtyEpoch(now: number): void {
    this.epochEnd = (Math.floor(now / DIRTY_EPOCH_CYCLES) + 1) * DIRTY_EPOCH_CYCLES
    this.hart.newWriteEpoch()
  }

  /** The hart reached the SBI timer deadline: the host timer fires, the VM exits, STIP is injected. */
  private onTimerDeadline(): void {
    if (this.timerDeadline === null || this.timerFired) return
    this.timerFired = true
    this.charge('timer', this.costs.vmExit)
    this.mode.setTimerLevel(true)
    this.mode.deliverPending()
  }

  private setExternal(level: boolean): void {
    if (level === this.externalLevel) return
    this.externalLevel = level
    // restoring a state re-asserts the saved line: no exit (its cost would go onto the clock just loaded, and a
    // migration's destination would then hash vmExit cycles ahead of its source)
    if (level && !this.restoring) this.charge('external-irq', this.costs.vmExit)
    this.mode.setExternalLevel(level || this.postedPending)
  }

  /** Posted interrupts (an SR-IOV VF's completions, devices/net/sriov-vf.ts): the device's message sets the
   * pending bit of the VM's interrupt file, which the guest sees as a supervisor external interrupt and claims in
   * the device's own mapped page. Hardware-assisted, as with a RISC-V AIA guest interrupt file or VT-d posted
   * interrupts, no VM exit delivers it, and a vCPU halted in WFI is woken by the host without one (its WFI was the
   * exit). Under trap-and-emulate there is no interrupt file the hardware writes: the VMM injects it, an
   * 'external-irq' exit. */
  readonly postedInterrupts = {
    post: (): void => this.setPosted(true),
    clear: (): void => this.setPosted(false)
  }

  private setPosted(level: boolean): void {
    if (level === this.postedPending) return
    this.postedPending = level
    if (level && !this.restoring && this.config.mode === 'trap-and-emulate') this.charge('external-irq', this.costs.vmExit)
    this.mode.setExternalLevel(this.externalLevel || level)
  }

  // ---------------------------------------------------------------------------------------------------------
  // Running

  get halt(): VmHalt | null {
    return this.haltState
  }

  get ram(): Uint8Array {
    return this.mem.ram
  }

  get virtualCycles(): number {
    return this.hart.now()
  }

  /** MigratableVm.writtenPages: pages written since RAM was last all zero (boot, reboot), by the guest, a device
   * or the VMM; null after a loadState until setWrittenPages (RAM was written from outside). */
  writtenPages(): Uint8Array | null {
    return this.hart.writtenRecord()
  }

  setWrittenPages(pages: Uint8Array): void {
    this.hart.setWrittenRecord(pages)
  }

  get missingPageFault(): number {
    return this.missingPage
  }

  step(maxInstructions: number): VmStepResult {
    if (this.network?.sync) return this.runNetworked(maxInstructions, Infinity, false)
    const r = this.run(maxInstructions, this.paceLimit())
    // asleep past its pace (or with nothing armed): its clock follows wall time, no further
    if (r.status === 'idle') this.sleepTo(Math.min(this.nextTimerEvent(), this.paceLimit()))
    return r
  }

  /** A sleeping vCPU's clock moves to `t` (it slept until then), in whole cycles. */
  private sleepTo(t: number): void {
    if (t !== Infinity && t > this.hart.cycle && this.sleepingUntil() !== null) this.hart.cycle = Math.ceil(t)
  }

  /** The run loop of a VM on a host network (host/host-network.ts): short runs that end at the next network event,
   * the events delivered between them once every VM on the host has reached them. Asleep, the vCPU sleeps as far
   * as the other VMs have got (its own timer, its pace, `cycleTarget` at most); a frame for it wakes it at its
   * arrival time. Step mode ('idle' = cannot progress now: asleep, or an event is held back by a VM that lags);
   * `drive` mode (runFor, the network running a laggard) runs lagging VMs forward and never stops for them. */
  private runNetworked(maxInstructions: number, cycleTarget: number, drive: boolean): VmStepResult {
    const hart = this.hart
    const net = this.network
    if (!net?.sync) return this.run(maxInstructions, cycleTarget)
    const start = hart.instret
    const startCycle = hart.now()
    let status: VmStepStatus = 'ok'
    this.inRun++
    try {
      for (let loops = 0; loops < MAX_LOOPS_PER_STEP && this.haltState === null && this.missingPage < 0; loops++) {
        const pace = this.paceLimit()
        const w = this.sleepingUntil()
        const now = hart.now()
        // awake: what is due by its present; asleep: up to its own timer (step(0) only syncs: nothing past now)
        const s = net.sync(w === null || maxInstructions === 0 ? now : Math.max(now, Math.min(w, cycleTarget, pace)), drive)
        if (this.haltState !== null || this.missingPage >= 0) break
        const done = hart.instret - start
        if (done >= maxInstructions || hart.now() >= cycleTarget) break
        if (loops > 0 && hart.now() - startCycle >= maxInstructions) break // idle time is budgeted too
        if (s.blocked) {
          status = 'idle'
          break
        }
        const asleep = this.sleepingUntil()
        if (asleep !== null) {
          // nothing woke it: it sleeps as far as the others have got
          const to = Math.min(asleep, s.reached)
          this.sleepTo(to)
          if (asleep > to) {
            if (hart.now() < cycleTarget) status = 'idle'
            break
          }
        }
        const limit = Math.min(cycleTarget, s.next, pace)
        const budget = Math.min(maxInstructions - done, NET_SLICE_MAX, Math.max(NET_SLICE_MIN, limit - hart.now()))
        this.run(budget, limit)
      }
    } finally {
      this.inRun--
    }
    if (this.haltState) status = this.haltState.kind === 'crash' ? 'crashed' : 'halted'
    return { executed: hart.instret - start, status }
  }

  /** The run loop: up to `maxInstructions` instructions. A guest asleep in WFI jumps to its next timer event if it
   * is due by `cycleLimit`; one run makes at least one such jump but stops once it has idled `maxInstructions`
   * cycles, so an idle VM does not race ahead of its neighbours. Asleep with its next timer past `cycleLimit`
   * (or none armed) it returns 'idle' and leaves the clock where it is: the caller decides how long it slept. */
  private run(maxInstructions: number, cycleLimit: number): VmStepResult {
    const hart = this.hart
    const start = hart.instret
    const startCycle = hart.now()
    let status: VmStepStatus = 'ok'
    try {
      for (let loops = 0; loops < MAX_LOOPS_PER_STEP && this.haltState === null && this.missingPage < 0; loops++) {
        const done = hart.instret - start
        if (done >= maxInstructions) break
        this.mode.deliverPending()
        if (this.waiting) {
          if (this.mode.wakeupPending()) this.waiting = false
          else {
            const next = this.nextTimerEvent()
            if (next === Infinity || next > cycleLimit) {
              status = 'idle'
              break
            }
            if (loops > 0 && hart.now() - startCycle >= maxInstructions) break
            if (next > hart.cycle) hart.cycle = next // idle until the timer fires
            this.onDeadline()
            continue
          }
        }
        const pc = hart.pc
        const before = hart.instret
        hart.run(maxInstructions - done)
        if (hart.pc === pc && hart.instret > before && this.haltState === null) this.checkHang(pc)
      }
    } catch (e) {
      this.crash('VMM_INTERNAL_ERROR', { message: e instanceof Error ? e.message : String(e), pc: hex(hart.pc) })
    }
    if (this.haltState) status = this.haltState.kind === 'crash' ? 'crashed' : 'halted'
    return { executed: hart.instret - start, status }
  }

  /** Virtual time of the next timer event (SBI timer or the VMM's host timer), Infinity if none is armed. */
  private nextTimerEvent(): number {
    let at = this.timerDeadline !== null && !this.timerFired ? this.timerDeadline * B.CYCLES_PER_MTIME_TICK : Infinity
    if (this.hostTimer && this.hostTimer.next < at) at = this.hostTimer.next
    return at
  }

  /** The guest ran a whole slice and ended where it started: a `j .` with every interrupt masked never ends. */
  private checkHang(pc: number): void {
    if (!this.mode.interruptsMasked() || this.mode.fetchInsn(pc) !== SELF_LOOP) return
    this.crash('GUEST_HUNG', { pc: hex(pc) })
  }

  /** Run `cycles` of virtual time (migrations, live snapshots, tests): on a host network, lagging VMs are run
   * forward; an asleep guest sleeps to the target (within its pace, if it has one). */
  runFor(cycles: number): void {
    const target = Math.ceil(this.hart.now() + cycles) // the clock counts whole cycles
    while (this.haltState === null && this.missingPage < 0) {
      const now = this.hart.now()
      const left = target - now
      if (left <= 0) break
      if (this.network?.sync) {
        const instret = this.hart.instret
        this.runNetworked(Math.min(left, 1_000_000), target, true)
        if (this.hart.now() === now && this.hart.instret === instret) break // paced to wall time
        continue
      }
      const r = this.run(Math.min(left, 1_000_000), Math.min(target, this.paceLimit()))
      if (r.status === 'idle') {
        // asleep past the target (or nothing armed): its clock runs to the target, within its pace
        this.sleepTo(Math.min(target, this.paceLimit()))
        break
      }
    }
  }

  sendSerial(bytes: Uint8Array): void {
    this.uart.input(bytes)
  }

  drainSerial(): Uint8Array {
    const out = Uint8Array.from(this.serialOut)
    this.serialOut = []
    return out
  }

  stats(): VmStats {
    return {
      instructions: this.hart.instret,
      virtualCycles: this.hart.now(),
      exits: this.exits.snapshot(),
      exitCycles: this.exits.cycles,
      dirtyPages: this.hart.pagesWritten
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Snapshots, migration

  saveState(): VmMachineState {
    return {
      version: 1,
      hart: this.hart.saveState(),
      devices: { uart0: this.uart.saveState(), plic: this.plic.saveState(), clint: this.clint.saveState(), ...saveNic(this.nic) },
      vmm: {
        mode: this.config.mode,
        timerDeadline: this.timerDeadline,
        timerFired: this.timerFired,
        waiting: this.waiting,
        externalLevel: this.externalLevel,
        exits: this.exits.save(),
        pagesWritten: this.hart.pagesWritten,
        guard: this.guard.save(),
        modeState: this.mode.save()
      },
      vtpm: saveVtpm(this.tpm)
    }
  }

  loadState(state: VmMachineState): void {
    const v = state.vmm
    if (state.version !== 1 || v.mode !== this.config.mode) {
      throw new EngineError('VMM_STATE_MISMATCH', `saved state is for a ${String(v.mode)} VM (version ${state.version}); this VM is ${this.config.mode}`, {
        saved: String(v.mode),
        mode: this.config.mode
      })
    }
    this.hart.loadState(state.hart)
    if (state.vtpm) this.tpm = loadVtpm(state.vtpm)
    const d = state.devices as { uart0: UartState; plic: PlicState; clint: ClintState }
    this.restoring = true
    try {
      this.uart.loadState(d.uart0)
      this.plic.loadState(d.plic)
      this.clint.loadState(d.clint)
      loadNic(this.nic, state.devices)
    } finally {
      this.restoring = false
    }
    this.timerDeadline = v.timerDeadline as number | null
    this.timerFired = v.timerFired as boolean
    this.waiting = v.waiting as boolean
    this.externalLevel = v.externalLevel as boolean
    if (this.postedPending) this.mode.setExternalLevel(true) // the VF's pending bit (loadNic) with the PLIC's line
    this.exits.load(v.exits as { counts: Record<string, number>; cycles: number })
    this.guard.load(v.guard as Record<string, number>)
    this.mode.load(v.modeState as Record<string, unknown>)
    this.hart.pagesWritten = typeof v.pagesWritten === 'number' ? v.pagesWritten : 0
    this.hart.resetWrittenRecord(false) // whoever wrote RAM for this state may hand us a record (setWrittenPages)
    this.newDirtyEpoch(this.hart.now())
    this.planDeadline()
    this.haltState = null
    this.missingPage = -1
    this.network?.rejoin?.() // the loaded clock maps to the host network's present
    // a power-off or crash before the load left the hart halted; a pending stop request is cleared (not obeyed)
    // when the next run starts, so this resumes it
    this.hart.requestStop()
  }

  beginPostcopy(): void {
    this.mem.missing = new Uint8Array(this.mem.pages).fill(1)
    this.missingPage = -1
    this.mode.flushTranslations()
  }

  installPage(index: number, bytes: Uint8Array): void {
    this.mem.ram.set(bytes.subarray(0, PAGE_SIZE), index * PAGE_SIZE)
    this.hart.invalidateCode(index * PAGE_SIZE, PAGE_SIZE)
    if (this.mem.missing) this.mem.missing[index] = 0
    if (this.missingPage === index) this.missingPage = -1
  }

  endPostcopy(): void {
    this.mem.missing = null
    this.missingPage = -1
  }
}
