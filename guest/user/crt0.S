/* User image entry (USER_TEXT): a0 = program id, a1..a4 = arguments; sp set by the kernel. */
    .section .text.start, "ax"
    .globl _ustart
_ustart:
    call user_main
    /* user_main returns the exit status in a0 */
    li a7, 93
    ecall
1:  j 1b
