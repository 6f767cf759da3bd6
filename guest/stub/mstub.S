/* The M-mode SBI stub: a minimal "OpenSBI" at the ELF entry (0x80000000) for QEMU -bios none and the workbench
 * bare-metal machine. It opens PMP, delegates S-level traps, and enters the S-mode kernel at kernel_entry.
 * The workbench VMM skips it and provides the same SBI calls itself. */
#include "regs.S.h"

    .section .text.stub, "ax"
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park                   /* only hart 0 boots */
    la sp, mstub_stack_top
    csrw mscratch, sp
    la t0, mstub_trap
    csrw mtvec, t0
    /* delegate to S: misaligned, access faults, illegal, breakpoint, ecall from U, page faults
     * (bits 0-8, 12, 13, 15); ecall from S (9) stays here: that is the SBI */
    li t0, 0xb1ff
    csrw medeleg, t0
    li t0, (1 << 1) | (1 << 5) | (1 << 9)   /* SSIP, STIP, SEIP */
    csrw mideleg, t0
    li t0, 7                        /* S may read cycle, time, instret */
    csrw mcounteren, t0
    li t0, -1                       /* PMP entry 0: TOR up to the top of the address space, RWX */
    csrw pmpaddr0, t0
    li t0, 0x0f
    csrw pmpcfg0, t0
    csrw mie, zero                  /* MTIE is armed by the first set_timer */
    csrw satp, zero
    li t0, 0x1800                   /* MPP = S */
    csrc mstatus, t0
    li t0, 0x0800
    csrs mstatus, t0
    la t0, kernel_entry
    csrw mepc, t0
    li a0, 0                        /* a0 = hartid; a1 = device tree from QEMU (or 0), passed on */
    mret
park:
    wfi
    j park

    .align 4
mstub_trap:
    csrrw sp, mscratch, sp
    addi sp, sp, -128
    SAVE_GPRS x2
    mv a0, sp
    call mstub_handle
    RESTORE_GPRS x2
    addi sp, sp, 128
    csrrw sp, mscratch, sp
    mret

    .section .bss.mstub, "aw", @nobits
    .align 4
mstub_stack:
    .space 1024
mstub_stack_top:
