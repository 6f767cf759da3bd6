/* Test environment in the style of riscv-tests (our own code): tests report through `tohost`
 * (1 = pass, (n << 1) | 1 = test n failed) and then through the sifive test finisher so that QEMU exits too
 * (0x5555 = pass, (n << 16) | 0x3333 = fail n).
 *   ENV_P: the test body runs in M-mode on physical memory.
 *   ENV_V: the test body runs in S-mode under Sv32 (4 KiB pages identity-mapping the first 4 MiB of RAM, A/D bits
 *          left clear so the hardware must set them); pass/fail go to the M-mode environment by ecall.
 * gp holds the current test number. */
#define FINISHER 0x100000
#define UART0 0x10000000
#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8

#define TESTNUM gp

#define RVTEST_BEGIN                                                             \
        .section .text.init, "ax";                                               \
        .globl _start;                                                           \
_start:                                                                          \
        la t0, m_trap; csrw mtvec, t0;                                           \
        li t0, -1; csrw pmpaddr0, t0; li t0, 0x1f; csrw pmpcfg0, t0;             \
        la sp, stack_top;                                                        \
        li gp, 1;                                                                \
        ENV_ENTER;                                                               \
test_body:

#ifdef ENV_V
#define ENV_ENTER                                                                \
        la t0, pt_l0; li t1, ((0x80000000 >> 12) << 10) | 0xf;                   \
        li t2, 1024; li t3, 1 << 10;                                             \
1:      sw t1, 0(t0); add t1, t1, t3; addi t0, t0, 4; addi t2, t2, -1;           \
        bnez t2, 1b;                                                             \
        la t0, pt_l0; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, 1;           \
        la t1, pt_root; li t2, 0x800; add t1, t1, t2; sw t0, 0(t1);              \
        la t0, pt_root; srli t0, t0, 12; li t1, 0x80000000; or t0, t0, t1;       \
        csrw satp, t0; sfence.vma;                                               \
        li t0, 0x1800; csrc mstatus, t0; li t0, 0x800; csrs mstatus, t0;         \
        la t0, test_body; csrw mepc, t0; mret
#define RVTEST_PASS li a0, 1; ecall
#define RVTEST_FAIL slli a0, gp, 1; ori a0, a0, 1; ecall
#else
#define ENV_ENTER
#define RVTEST_PASS li a0, 1; j write_tohost
#define RVTEST_FAIL slli a0, gp, 1; ori a0, a0, 1; j write_tohost
#endif

#define RVTEST_END                                                               \
        RVTEST_PASS;                                                             \
fail:   RVTEST_FAIL;                                                             \
        .align 2;                                                                \
m_trap: csrr t5, mcause; li t6, 9; bne t5, t6, 1f;                               \
        j write_tohost;                                                          \
1:      slli a0, gp, 1; ori a0, a0, 1;                                           \
write_tohost:                                                                    \
        li t0, 1; bne a0, t0, 2f;                                                \
        la t1, tohost; sw a0, 0(t1);                                             \
        li t0, FINISHER; li t1, 0x5555; sw t1, 0(t0); j 3f;                      \
2:      la t1, tohost; sw a0, 0(t1);                                             \
        srli t2, a0, 1; slli t2, t2, 16; li t1, 0x3333; or t1, t1, t2;           \
        li t0, FINISHER; sw t1, 0(t0);                                           \
3:      j 3b;                                                                    \
        .section .tohost, "aw", @progbits;                                       \
        .align 6; .globl tohost; tohost: .word 0;                                \
        .align 6; .globl fromhost; fromhost: .word 0;                            \
        .section .bss;                                                           \
        .align 12; pt_root: .skip 4096; pt_l0: .skip 4096;                       \
        .section .text

/* ---- test macros: a0 = result, a1/a2 = operands, t6 = expected ---- */
#define TEST_CASE(n, reg, expected, code...)                                     \
        li gp, n; code; li t6, expected; bne reg, t6, fail

#define TEST_RR(n, inst, expected, v1, v2)                                       \
        TEST_CASE(n, a0, expected, li a1, v1; li a2, v2; inst a0, a1, a2)

#define TEST_IMM(n, inst, expected, v1, imm)                                     \
        TEST_CASE(n, a0, expected, li a1, v1; inst a0, a1, imm)

#define TEST_BR_TAKEN(n, inst, v1, v2)                                           \
        li gp, n; li a1, v1; li a2, v2; inst a1, a2, 1f; j fail; 1:

#define TEST_BR_NOT(n, inst, v1, v2)                                             \
        li gp, n; li a1, v1; li a2, v2; inst a1, a2, fail
