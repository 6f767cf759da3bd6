# RV32I user-level instructions: arithmetic, logic, shifts, compares, upper immediates, jumps, branches,
# loads/stores with sign extension, x0, and misaligned loads/stores (performed, not trapped).
#include "env.h"
RVTEST_BEGIN
        TEST_RR(2, add, 3, 1, 2)
        TEST_RR(3, add, 0x80000000, 0x7fffffff, 1)
        TEST_RR(4, sub, -1, 0, 1)
        TEST_RR(5, sub, 0x7fffffff, 0x80000000, 1)
        TEST_IMM(6, addi, -2048, 0, -2048)
        TEST_IMM(7, addi, 0x80000000, 0x7fffffff, 1)
        TEST_RR(8, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
        TEST_RR(9, or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
        TEST_RR(10, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
        TEST_IMM(11, andi, 0x00000700, 0xff00ff00, 0x70f)
        TEST_IMM(12, ori, 0xffffff0f, 0xff00ff00, -241)
        TEST_IMM(13, xori, 0x00ff00ff, 0xff00ff00, -1)
        TEST_RR(14, sll, 0x80000000, 1, 31)
        TEST_RR(15, sll, 2, 1, 33)
        TEST_RR(16, srl, 0x00000001, 0x80000000, 31)
        TEST_RR(17, sra, 0xffffffff, 0x80000000, 31)
        TEST_RR(18, sra, 0xc0000000, 0x80000000, 0xffffffe1)
        TEST_IMM(19, slli, 0x00000080, 1, 7)
        TEST_IMM(20, srli, 0x01ffffff, 0xffffffff, 7)
        TEST_IMM(21, srai, 0xff000000, 0x80000000, 7)
        TEST_RR(22, slt, 1, -1, 0)
        TEST_RR(23, slt, 0, 0, -1)
        TEST_RR(24, sltu, 0, -1, 0)
        TEST_RR(25, sltu, 1, 0, -1)
        TEST_IMM(26, slti, 1, -5, -4)
        TEST_IMM(27, sltiu, 1, 5, -1)
        TEST_IMM(28, sltiu, 0, -1, 5)
        TEST_CASE(29, a0, 0x12345000, lui a0, 0x12345)
        TEST_CASE(30, a0, 0, la a1, 1f; 1: auipc a0, 0; sub a0, a0, a1)
        # jal / jalr link values and targets
        TEST_CASE(31, a0, 0, la a1, 1f; jal a2, 1f; 1: sub a0, a2, a1)
        TEST_CASE(32, a0, 7, li a0, 0; la t0, 2f; jalr ra, 0(t0); addi a0, a0, 1; j 3f; 2: addi a0, a0, 6; jalr zero, 0(ra); 3:)
        TEST_CASE(33, a0, 1, li a0, 0; la t0, 2f; addi t0, t0, 1; jalr ra, -1(t0); j fail; 2: li a0, 1)
        # branches
        TEST_BR_TAKEN(34, beq, 5, 5)
        TEST_BR_NOT(35, beq, 5, 6)
        TEST_BR_TAKEN(36, bne, 5, 6)
        TEST_BR_NOT(37, bne, 5, 5)
        TEST_BR_TAKEN(38, blt, -1, 1)
        TEST_BR_NOT(39, blt, 1, -1)
        TEST_BR_TAKEN(40, bge, 1, -1)
        TEST_BR_TAKEN(41, bge, 3, 3)
        TEST_BR_NOT(42, bge, -1, 1)
        TEST_BR_TAKEN(43, bltu, 1, -1)
        TEST_BR_NOT(44, bltu, -1, 1)
        TEST_BR_TAKEN(45, bgeu, -1, 1)
        TEST_BR_NOT(46, bgeu, 1, -1)
        # loads and stores
        la s0, data
        TEST_CASE(47, a0, 0xffffff80, lb a0, 0(s0))
        TEST_CASE(48, a0, 0x80, lbu a0, 0(s0))
        TEST_CASE(49, a0, 0xffff8180, lh a0, 0(s0))
        TEST_CASE(50, a0, 0x8180, lhu a0, 0(s0))
        TEST_CASE(51, a0, 0x83828180, lw a0, 0(s0))
        TEST_CASE(52, a0, 0x7f, lb a0, 4(s0))
        TEST_CASE(53, a0, 0x12345678, li a1, 0x12345678; sw a1, 8(s0); lw a0, 8(s0))
        TEST_CASE(54, a0, 0x1234aa78, li a1, 0xaa; sb a1, 9(s0); lw a0, 8(s0))
        TEST_CASE(55, a0, 0xbeefaa78, li a1, 0xbeef; sh a1, 10(s0); lw a0, 8(s0))
        TEST_CASE(56, a0, 0xffffffaa, lb a0, 9(s0))
        TEST_CASE(57, a0, 0x5678, li a1, 0x5678; addi t0, s0, 16; sh a1, -2(t0); lhu a0, 14(s0))
        # misaligned accesses are performed
        TEST_CASE(58, a0, 0x7f838281, lw a0, 1(s0))
        TEST_CASE(59, a0, 0xffff8382, lh a0, 2(s0))
        TEST_CASE(60, a0, 0xffff8281, lh a0, 1(s0))
        TEST_CASE(61, a0, 0xcafef00d, li a1, 0xcafef00d; sw a1, 21(s0); lw a0, 21(s0))
        TEST_CASE(62, a0, 0xcafe, lhu a0, 23(s0))
        TEST_CASE(63, a0, 0xf00d00, lw a0, 20(s0); li t0, 0xffffff00; and a0, a0, t0; li t0, 0xffffff; and a0, a0, t0)
        # x0 stays zero
        TEST_CASE(64, a0, 0, li a1, 5; addi x0, a1, 1; mv a0, x0)
        TEST_CASE(65, a0, 0, lui x0, 0x1; add a0, x0, x0)
        # a loop: sum 1..100
        TEST_CASE(66, a0, 5050, li a0, 0; li a1, 100; 1: add a0, a0, a1; addi a1, a1, -1; bnez a1, 1b)
RVTEST_END
        .data
        .align 4
data:   .byte 0x80, 0x81, 0x82, 0x83, 0x7f, 0, 0, 0
        .word 0, 0, 0, 0, 0, 0
