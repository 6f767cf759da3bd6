# Entry for the iolab guest programs. The same code runs as an M-mode bare-metal program (QEMU -bios none, the
# workbench bare machine) and as a guest kernel in virtual S-mode under the workbench VMM, which starts at
# `kernel_entry`: it touches only RAM and MMIO, never a privileged CSR.
    .section .text.entry, "ax"
    .globl _start
    .globl kernel_entry
_start:
kernel_entry:
    la      sp, __stack_top
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:  call    main
    call    io_exit
3:  j       3b
