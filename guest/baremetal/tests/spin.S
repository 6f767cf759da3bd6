# Never stops: for the instruction and virtual-time limits of the headless command.
        .section .text.init, "ax"
        .globl _start
_start: addi a0, a0, 1
        j _start
