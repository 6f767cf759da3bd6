# Prints "bye" and powers off through the finisher with exit code 7.
        .section .text.init, "ax"
        .globl _start
_start: li t0, 0x10000000
        li t1, 'b'; sb t1, 0(t0)
        li t1, 'y'; sb t1, 0(t0)
        li t1, 'e'; sb t1, 0(t0)
        li t1, '\n'; sb t1, 0(t0)
        li t0, 0x100000; li t1, (7 << 16) | 0x3333; sw t1, 0(t0)
1:      j 1b
