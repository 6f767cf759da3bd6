// CSR numbers and mstatus/interrupt bit layouts (RISC-V privileged spec 1.12, RV32).
export const CSR = {
  sstatus: 0x100,
  sie: 0x104,
  stvec: 0x105,
  scounteren: 0x106,
  senvcfg: 0x10a,
  sscratch: 0x140,
  sepc: 0x141,
  scause: 0x142,
  stval: 0x143,
  sip: 0x144,
  satp: 0x180,
  mstatus: 0x300,
  misa: 0x301,
  medeleg: 0x302,
  mideleg: 0x303,
  mie: 0x304,
  mtvec: 0x305,
  mcounteren: 0x306,
  menvcfg: 0x30a,
  mstatush: 0x310,
  menvcfgh: 0x31a,
  mcountinhibit: 0x320,
  mscratch: 0x340,
  mepc: 0x341,
  mcause: 0x342,
  mtval: 0x343,
  mip: 0x344,
  pmpcfg0: 0x3a0,
  pmpaddr0: 0x3b0,
  mcycle: 0xb00,
  minstret: 0xb02,
  mcycleh: 0xb80,
  minstreth: 0xb82,
  cycle: 0xc00,
  time: 0xc01,
  instret: 0xc02,
  cycleh: 0xc80,
  timeh: 0xc81,
  instreth: 0xc82,
  mvendorid: 0xf11,
  marchid: 0xf12,
  mimpid: 0xf13,
  mhartid: 0xf14,
  mconfigptr: 0xf15
} as const

export const MSTATUS_SIE = 1 << 1
export const MSTATUS_MIE = 1 << 3
export const MSTATUS_SPIE = 1 << 5
export const MSTATUS_MPIE = 1 << 7
export const MSTATUS_SPP = 1 << 8
export const MSTATUS_MPP_SHIFT = 11
export const MSTATUS_MPP = 3 << MSTATUS_MPP_SHIFT
export const MSTATUS_MPRV = 1 << 17
export const MSTATUS_SUM = 1 << 18
export const MSTATUS_MXR = 1 << 19
export const MSTATUS_TVM = 1 << 20
export const MSTATUS_TW = 1 << 21
export const MSTATUS_TSR = 1 << 22
export const MSTATUS_WRITABLE =
  MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_SUM |
  MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
export const SSTATUS_MASK = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR
/** Bits whose change alters address translation (so cached translations must go). */
export const MSTATUS_XLATE_BITS = MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPP

/** RV32 (MXL=1) with A, I, M, S, U. */
export const MISA = (0x40000000 | (1 << 0) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)) >>> 0

export const MIP_SSIP = 1 << 1
export const MIP_MSIP = 1 << 3
export const MIP_STIP = 1 << 5
export const MIP_MTIP = 1 << 7
export const MIP_SEIP = 1 << 9
export const MIP_MEIP = 1 << 11
export const MIE_WRITABLE = 0xaaa
/** mip bits software may write from M-mode (the rest are driven by the CLINT and PLIC). */
export const MIP_M_WRITABLE = MIP_SSIP | MIP_STIP | MIP_SEIP
export const S_INTERRUPTS = MIP_SSIP | MIP_STIP | MIP_SEIP
/** Exceptions M-mode may delegate: everything below 16 but ecall-from-M. */
export const MEDELEG_WRITABLE = 0xb3ff

/** Interrupts in the order the spec gives them priority: MEI, MSI, MTI, SEI, SSI, STI. */
export const IRQ_PRIORITY = [11, 3, 7, 9, 1, 5]

export const SATP_MODE_SV32 = 0x80000000
export const SATP_PPN_MASK = 0x3fffff

export const PTE_V = 1
export const PTE_R = 2
export const PTE_W = 4
export const PTE_X = 8
export const PTE_U = 16
export const PTE_G = 32
export const PTE_A = 64
export const PTE_D = 128
