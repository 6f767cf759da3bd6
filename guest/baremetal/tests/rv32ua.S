# RV32A: every AMO returns the old value and stores the combination; LR/SC succeed on a reservation and fail
# without one.
#include "env.h"
#define TEST_AMO(n, inst, old, src, result)                                      \
        li gp, n; la s0, amo_word; li t0, old; sw t0, 0(s0); li a2, src;         \
        inst a0, a2, (s0); li t6, old; bne a0, t6, fail;                         \
        lw a1, 0(s0); li t6, result; bne a1, t6, fail
RVTEST_BEGIN
        TEST_AMO(2, amoswap.w, 0x80000000, 0x12345678, 0x12345678)
        TEST_AMO(3, amoadd.w, 0x7fffffff, 1, 0x80000000)
        TEST_AMO(4, amoxor.w, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0)
        TEST_AMO(5, amoand.w, 0xff00ff00, 0x0ff00ff0, 0x0f000f00)
        TEST_AMO(6, amoor.w, 0xff00ff00, 0x0ff00ff0, 0xfff0fff0)
        TEST_AMO(7, amomin.w, 0x80000000, 1, 0x80000000)
        TEST_AMO(8, amomin.w, 5, -1, -1)
        TEST_AMO(9, amomax.w, 0x80000000, 1, 1)
        TEST_AMO(10, amominu.w, 0x80000000, 1, 1)
        TEST_AMO(11, amomaxu.w, 0x80000000, 1, 0x80000000)
        TEST_AMO(12, amoadd.w.aqrl, 10, -3, 7)
        # lr/sc: success with a reservation
        li gp, 13; la s0, amo_word; li t0, 41; sw t0, 0(s0)
        lr.w a0, (s0); addi a0, a0, 1; sc.w a1, a0, (s0)
        bnez a1, fail; lw a0, 0(s0); li t6, 42; bne a0, t6, fail
        # sc without a reservation (the previous sc consumed it) fails and stores nothing
        li gp, 14; li a0, 99; sc.w a1, a0, (s0); beqz a1, fail
        lw a0, 0(s0); li t6, 42; bne a0, t6, fail
        # an lr/sc increment loop
        li gp, 15; li t1, 100
1:      lr.w a0, (s0); addi a0, a0, 1; sc.w a1, a0, (s0); bnez a1, 1b
        addi t1, t1, -1; bnez t1, 1b
        lw a0, 0(s0); li t6, 142; bne a0, t6, fail
RVTEST_END
        .data
        .align 4
amo_word: .word 0
