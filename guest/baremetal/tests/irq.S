# External interrupts: the UART's transmitter-empty interrupt through the PLIC (source 10, context 0 = M),
# claim and complete.
#include "env.h"
#define PLIC 0x0c000000
RVTEST_BEGIN
        la t0, irq_handler; csrw mtvec, t0
        li gp, 2; li s2, 0; li s3, 0
        li t0, PLIC + 10 * 4; li t1, 1; sw t1, 0(t0)
        li t0, PLIC + 0x2000; li t1, 1 << 10; sw t1, 0(t0)
        li t0, PLIC + 0x200000; sw zero, 0(t0)
        li t0, 1 << 11; csrs mie, t0
        li t0, UART0; li t1, 2; sb t1, 1(t0)
        csrsi mstatus, 8
        li t1, 10000
1:      bnez s2, 2f; addi t1, t1, -1; bnez t1, 1b
2:      csrci mstatus, 8
        li t6, 10; bne s2, t6, fail
        li t6, 0x8000000b; bne s3, t6, fail
        # 3: after complete with the UART quiet, nothing is pending
        li gp, 3; li t0, PLIC + 0x1000; lw a0, 0(t0); li t1, 1 << 10; and a0, a0, t1; bnez a0, fail
RVTEST_END
        .align 2
irq_handler:
        csrr s3, mcause
        li t0, PLIC + 0x200004; lw s2, 0(t0)
        li t1, UART0; sb zero, 1(t1)
        sw s2, 0(t0)
        mret
