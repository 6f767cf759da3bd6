# M-mode traps and interrupts: illegal instruction, ecall from M and U, ebreak, access faults, misaligned jump
# targets (only where misa.C is clear), CSR read-modify-write, U-mode CSR/counter permission, vectored mtvec
# with a CLINT software interrupt, a CLINT timer interrupt that wakes WFI, counters that advance.
#include "env.h"
#define MAGIC_TO_M 0x4d
RVTEST_BEGIN
        la t0, trap_rec; csrw mtvec, t0
        # 2: illegal instruction (all-zero word)
        li gp, 2; li s2, 0; la s5, 1f
1:      .word 0
        li t6, 2; bne s2, t6, fail; bne s3, s5, fail
        # 3: ecall from M
        li gp, 3; la s5, 1f
1:      ecall
        li t6, 11; bne s2, t6, fail; bne s3, s5, fail
        # 4: ebreak
        li gp, 4; la s5, 1f
1:      ebreak
        li t6, 3; bne s2, t6, fail; bne s3, s5, fail
        # 5: load access fault at an unmapped address, mtval = address
        li gp, 5; li s5, 0x00200000
        lw a0, 0(s5)
        li t6, 5; bne s2, t6, fail; bne s4, s5, fail
        # 6: store access fault
        li gp, 6; li s5, 0x00200004
        sw a0, 0(s5)
        li t6, 7; bne s2, t6, fail; bne s4, s5, fail
        # 7: jump to a 2-byte aligned target: misaligned fetch (only without the C extension)
        li gp, 7; csrr t0, misa; andi t0, t0, 4; bnez t0, 2f
        li s2, 0; la s5, 1f; la t0, 3f; addi t0, t0, 2
1:      jalr ra, 0(t0)
        li t6, 0; bne s2, t6, fail; bne s3, s5, fail
        la t0, 3f; addi t0, t0, 2; bne s4, t0, fail
        j 2f
3:      nop; nop
2:
        # 8: csrrw/csrrs/csrrc
        li gp, 8; li t0, 0x0ff0; csrw mscratch, t0
        li t1, 0xf000; csrrs a0, mscratch, t1; li t6, 0x0ff0; bne a0, t6, fail
        li t1, 0x00f0; csrrc a0, mscratch, t1; li t6, 0xfff0; bne a0, t6, fail
        csrrwi a0, mscratch, 7; li t6, 0xff00; bne a0, t6, fail
        csrr a0, mscratch; li t6, 7; bne a0, t6, fail
        # 9: drop to U-mode; ecall from U has cause 8
        li gp, 9; la s6, 4f; li t0, 0x1800; csrc mstatus, t0; la t0, 1f; csrw mepc, t0; mret
1:      la s5, 1f
1:      ecall
        li t6, 8; bne s2, t6, fail; bne s3, s5, fail
        # 10: U-mode reading mstatus: illegal instruction
        li gp, 10; li s2, 0; csrr a0, mstatus; li t6, 2; bne s2, t6, fail
        # 11: U-mode reading cycle with mcounteren = 0: illegal
        li gp, 11; li s2, 0; rdcycle a0; li t6, 2; bne s2, t6, fail
        li a7, MAGIC_TO_M; ecall
4:      # back in M-mode
        # 12: with mcounteren/scounteren set, U-mode may read cycle/instret
        li gp, 12; li t0, 7; csrw mcounteren, t0; csrw scounteren, t0
        la s6, 4f; li t0, 0x1800; csrc mstatus, t0; la t0, 1f; csrw mepc, t0; mret
1:      li s2, 0; rdinstret a0; rdinstret a1; bnez s2, fail; bgeu a0, a1, fail
        li a7, MAGIC_TO_M; ecall
4:      # 13: vectored mtvec, machine software interrupt through the CLINT
        li gp, 13; li s2, 0
        la t0, vectors; ori t0, t0, 1; csrw mtvec, t0
        li t0, 8; csrs mie, t0
        li t0, CLINT_MSIP; li t1, 1; sw t1, 0(t0)
        csrsi mstatus, 8
        li t1, 1000
1:      bnez s2, 2f; addi t1, t1, -1; bnez t1, 1b
2:      csrci mstatus, 8
        li t6, 0x80000003; bne s2, t6, fail
        # 14: timer interrupt wakes WFI
        li gp, 14; li s2, 0
        li t0, CLINT_MTIMECMP; li t1, -1; sw t1, 4(t0)
        li t2, CLINT_MTIME; lw t1, 0(t2); addi t1, t1, 200; sw t1, 0(t0); sw zero, 4(t0)
        # mstatus.MIE stays 0 around the wfi: wfi wakes on a pending interrupt enabled in mie, which is then
        # taken in the window below. (With MIE = 1 the interrupt could be taken just before the wfi, whenever
        # 200 ticks pass first, and the wfi then slept for ever: QEMU hung on a loaded machine.)
        li t0, 0x80; csrs mie, t0
        li t1, 100
1:      wfi
        csrsi mstatus, 8; csrci mstatus, 8
        bnez s2, 2f; addi t1, t1, -1; bnez t1, 1b
2:
        li t6, 0x80000007; bne s2, t6, fail
        # 15: cycle advances
        li gp, 15; rdcycle a0; nop; nop; rdcycle a1; bgeu a0, a1, fail
        la t0, trap_rec; csrw mtvec, t0
RVTEST_END

        .align 2
trap_rec:                       # records the trap in s2/s3/s4 and skips the instruction
        csrr s2, mcause; csrr s3, mepc; csrr s4, mtval
        li t0, 8; bne s2, t0, 1f; li t0, MAGIC_TO_M; bne a7, t0, 1f
        li a7, 0; li t0, 0x1800; csrs mstatus, t0; csrw mepc, s6; mret
1:      addi t0, s3, 4; csrw mepc, t0; mret

        .align 6
vectors:
        j trap_rec
        j fail
        j fail
        j msi_handler
        j fail
        j fail
        j fail
        j mti_handler
        j fail
        j fail
        j fail
        j fail
msi_handler:
        csrr s2, mcause; li t0, CLINT_MSIP; sw zero, 0(t0); mret
mti_handler:
        csrr s2, mcause; li t0, CLINT_MTIMECMP; li t1, -1; sw t1, 4(t0); sw t1, 0(t0); mret
