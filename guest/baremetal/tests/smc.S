# Self-modifying code: a function runs, is rewritten (store + fence.i), and runs the new code; a loop patches
# its own immediate on every iteration.
#include "env.h"
RVTEST_BEGIN
        # 2: run, patch addi a0,a0,1 → addi a0,a0,2, run again
        li gp, 2; li a0, 0; jal ra, target; li t6, 1; bne a0, t6, fail
        la t0, target; li t1, 0x00250513; sw t1, 0(t0); fence.i
        li a0, 0; jal ra, target; li t6, 2; bne a0, t6, fail
        # 3: a loop rewriting the immediate of an instruction it executes: sum of 1..10
        li gp, 3; li a0, 0; li s1, 1; la s0, 2f
1:      slli t0, s1, 20; li t1, 0x00050513; or t0, t0, t1; sw t0, 0(s0); fence.i
2:      addi a0, a0, 0
        addi s1, s1, 1; li t1, 11; bne s1, t1, 1b
        li t6, 55; bne a0, t6, fail
RVTEST_END
target: addi a0, a0, 1
        ret
