/* S-mode kernel entry. Reached by mret from the M-mode stub, or started directly by the workbench VMM.
 * a0 = hartid, a1 = device tree address or 0. */
    .section .text.entry, "ax"
    .globl kernel_entry
kernel_entry:
    mv s0, a0
    mv s1, a1
    csrw sscratch, zero
    csrw sie, zero
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  la sp, kstack_top
    mv a0, s0
    mv a1, s1
    call kmain
3:  wfi
    j 3b

    .section .bss.kstack, "aw", @nobits
    .align 4
kstack:
    .space 16384
    .globl kstack_top
kstack_top:
