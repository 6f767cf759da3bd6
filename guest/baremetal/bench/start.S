# C runtime for the bare-metal programs: stack, zeroed .bss, main(), then power off through the finisher with
# main's return value as the exit code (0 = pass).
        .section .text.init, "ax"
        .globl _start
_start:
        la sp, stack_top
        la t0, __bss_start
        la t1, _end
1:      bgeu t0, t1, 2f
        sw zero, 0(t0)
        addi t0, t0, 4
        j 1b
2:      call main
        li t0, 0x100000
        beqz a0, 3f
        slli a0, a0, 16
        li t1, 0x3333
        or a0, a0, t1
        sw a0, 0(t0)
        j 4f
3:      li t1, 0x5555
        sw t1, 0(t0)
4:      j 4b
