/* The trap vector and the switch into user mode.
 * sscratch = 0 while the kernel runs; = the current process's trapframe while user code runs. */
#include "regs.S.h"

    .section .text
    .globl trap_vector
    .align 4
trap_vector:
    csrrw sp, sscratch, sp
    bnez sp, from_user
    /* from the kernel (only while it idles with interrupts on): save on the kernel stack */
    csrrw sp, sscratch, sp
    addi sp, sp, -128
    SAVE_GPRS x2
    mv a0, sp
    call kernel_trap
    RESTORE_GPRS x2
    addi sp, sp, 128
    sret

from_user:
    /* sp = trapframe, sscratch = user sp */
    SAVE_GPRS x2
    csrr t0, sscratch
    sw t0, 8(sp)
    csrr t0, sepc
    sw t0, 0(sp)
    csrw sscratch, zero
    /* resume the scheduler: return from enter_user */
    la t0, kernel_context
    lw ra, 0(t0)
    lw sp, 4(t0)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    lw s\n, (8+4*\n)(t0)
    .endr
    ret

    /* void idle_wait(void): wait for the next interrupt with interrupts enabled for just that moment. An interrupt
     * that arrives before the wfi makes kernel_trap return past it (see there), so no wakeup is lost. */
    .globl idle_wait, idle_wfi
idle_wait:
    csrsi sstatus, 2
idle_wfi:
    wfi
    csrci sstatus, 2
    ret

    /* void enter_user(struct trapframe *tf): runs the process until its next trap, then returns */
    .globl enter_user
enter_user:
    la t0, kernel_context
    sw ra, 0(t0)
    sw sp, 4(t0)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    sw s\n, (8+4*\n)(t0)
    .endr
    lw t0, 0(a0)
    csrw sepc, t0
    csrw sscratch, a0
    lw sp, 8(a0)
    RESTORE_GPRS x10
    lw a0, 40(a0)
    sret

    .section .bss
    .align 4
kernel_context:
    .space 56
