# Supervisor mode and delegation: ecall from S goes to M, delegated exceptions and interrupts go to S,
# U-mode privilege violations, S executing mret/M CSRs, TSR and TW, sret to U.
#include "env.h"
#define MAGIC_TO_S 0x53
#define MAGIC_SET 0x54
RVTEST_BEGIN
        la t0, m_rec; csrw mtvec, t0
        li t0, (1 << 8) | (1 << 2); csrw medeleg, t0
        li t0, 0x222; csrw mideleg, t0
        li t0, 0x1800; csrc mstatus, t0; li t0, 0x800; csrs mstatus, t0
        la t0, s_code; csrw mepc, t0; mret
s_code:
        la t0, s_rec; csrw stvec, t0
        # 2: ecall from S is not delegated: M sees cause 9
        li gp, 2; li s2, 0; la s5, 1f
1:      ecall
        li t6, 9; bne s2, t6, fail; bne s3, s5, fail
        # 3: drop to U with sret
        li gp, 3; la s6, 4f; li t0, 0x100; csrc sstatus, t0; la t0, u_code; csrw sepc, t0; sret
u_code: # 4: ecall from U is delegated to S
        li gp, 4; li s7, 0; la s5, 1f
1:      ecall
        li t6, 8; bne s7, t6, fail; bne s8, s5, fail
        # 5: U reading sstatus: illegal, delegated to S, stval = instruction bits or 0
        li gp, 5; li s7, 0; csrr a0, sstatus; li t6, 2; bne s7, t6, fail
        # 6: U executing sret: illegal
        li gp, 6; li s7, 0; sret; li t6, 2; bne s7, t6, fail
        li a7, MAGIC_TO_S; ecall
4:      # back in S
        # 7: S executing mret: illegal, handled in S
        li gp, 7; li s7, 0; li s2, 0; mret; li t6, 2; bne s7, t6, fail; bnez s2, fail
        # 8: S reading mstatus: illegal
        li gp, 8; li s7, 0; csrr a0, mstatus; li t6, 2; bne s7, t6, fail
        # 9: with TSR set, sret in S is illegal (not delegated now: M records it and clears TSR)
        li gp, 9; li a7, MAGIC_SET; li a6, 0x400000; li a5, 0x100; ecall
        li s2, 0; sret; li t6, 2; bne s2, t6, fail
        # 10: with TW set, wfi in S is illegal
        li gp, 10; li a7, MAGIC_SET; li a6, 0x200000; li a5, 0x100; ecall
        li s2, 0; wfi; li t6, 2; bne s2, t6, fail
        li a7, MAGIC_SET; li a6, 0; li a5, 0x104; ecall
        # 11: delegated supervisor software interrupt taken in S
        li gp, 11; li s7, 0; li t0, 2; csrs sie, t0; csrsi sstatus, 2
        csrsi sip, 2
        li t1, 100
1:      bnez s7, 2f; addi t1, t1, -1; bnez t1, 1b
2:      csrci sstatus, 2
        li t6, 0x80000001; bne s7, t6, fail
        # 12: S reads cycle with mcounteren = 0: illegal
        li gp, 12; li s7, 0; rdcycle a0; li t6, 2; bne s7, t6, fail
        # 13: sstatus hides M bits
        li gp, 13; csrr a0, sstatus; li t0, 0x1888; and a0, a0, t0; bnez a0, fail
RVTEST_END

        .align 2
m_rec:  # M-mode: record in s2/s3/s4; illegal instructions clear TSR/TW; MAGIC_SET writes TSR/TW from a6
        # and medeleg from a5; skip the instruction
        csrr s2, mcause; csrr s3, mepc; csrr s4, mtval
        li t0, 2; bne s2, t0, 1f; li t0, 0x600000; csrc mstatus, t0; j 3f
1:      li t0, 9; bne s2, t0, 3f; li t0, MAGIC_SET; bne a7, t0, 3f
        li t0, 0x600000; csrc mstatus, t0; csrs mstatus, a6; csrw medeleg, a5; li a7, 0
3:      addi t0, s3, 4; csrw mepc, t0; mret

        .align 2
s_rec:  # S-mode: record in s7/s8/s9; interrupts clear SSIP and resume; MAGIC_TO_S returns to S at s6
        csrr s7, scause; csrr s8, sepc; csrr s9, stval
        bgez s7, 1f
        csrci sip, 2; sret
1:      li t0, 8; bne s7, t0, 2f; li t0, MAGIC_TO_S; bne a7, t0, 2f
        li a7, 0; li t0, 0x100; csrs sstatus, t0; csrw sepc, s6; sret
2:      addi t0, s8, 4; csrw sepc, t0; sret
