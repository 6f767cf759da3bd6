# Sv32 from S-mode (traps go to M, which records and skips the instruction): 4 MiB superpages, hardware A/D
# updates, read-only/invalid/user/execute-only pages, SUM, MXR, misaligned superpages, fetch faults, and MPRV
# from M-mode.
#include "env.h"
#define MAGIC_TO_M 0x4d
#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_U 16
#define PTE_A 64
#define PTE_D 128
/* a0 = physical address, a1 = flags → a0 = leaf PTE for a 4 KiB page */
#define MKPTE srli a0, a0, 12; slli a0, a0, 10; or a0, a0, a1
RVTEST_BEGIN
        la t0, m_rec; csrw mtvec, t0
        # identity map of the first 4 MiB of RAM with 4 KiB pages (A/D preset), root[0x200]
        la t0, l0_id; li t1, ((0x80000000 >> 12) << 10) | 0xcf; li t2, 1024; li t3, 1 << 10
1:      sw t1, 0(t0); add t1, t1, t3; addi t0, t0, 4; addi t2, t2, -1; bnez t2, 1b
        la s10, root
        la a0, l0_id; li a1, PTE_V; MKPTE; li t0, 0x200 * 4; add t0, t0, s10; sw a0, 0(t0)
        # root[0x300]: VA 0xc0000000 → PA 0x80000000 superpage, R/W, A/D clear
        li a0, ((0x80000000 >> 12) << 10) | PTE_V | PTE_R | PTE_W; li t0, 0x300 * 4; add t0, t0, s10; sw a0, 0(t0)
        # root[0x301]: misaligned superpage (ppn[0] != 0)
        li a0, ((0x80001000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D; li t0, 0x301 * 4; add t0, t0, s10; sw a0, 0(t0)
        # root[0x240]: VA 0x90000000 → l0_test
        la a0, l0_test; li a1, PTE_V; MKPTE; li t0, 0x240 * 4; add t0, t0, s10; sw a0, 0(t0)
        la s11, l0_test
        la a0, page_ro; li a1, PTE_V | PTE_R; MKPTE; sw a0, 0(s11)
        la a0, page_u; li a1, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D; MKPTE; sw a0, 4(s11)
        la a0, page_x; li a1, PTE_V | PTE_X | PTE_A; MKPTE; sw a0, 8(s11)
        sw zero, 12(s11)
        la a0, page_rw; li a1, PTE_V | PTE_R | PTE_W; MKPTE; sw a0, 16(s11)
        # satp, enter S
        srli t0, s10, 12; li t1, 0x80000000; or t0, t0, t1; csrw satp, t0; sfence.vma
        li t0, 0x1800; csrc mstatus, t0; li t0, 0x800; csrs mstatus, t0
        la t0, s_code; csrw mepc, t0; mret
s_code:
        # 2: load through the superpage sees physical memory; the hardware set A in the root entry
        li gp, 2; la t0, page_ro; li t1, 0x40000000; add t0, t0, t1; lw a0, 0(t0)
        li t6, 0x11111111; bne a0, t6, fail
        li t0, 0x300 * 4; add t0, t0, s10; lw a1, 0(t0); andi a2, a1, PTE_A; beqz a2, fail; andi a2, a1, PTE_D; bnez a2, fail
        # 3: store through the superpage sets D
        li gp, 3; la t0, page_rw; li t1, 0x40000000; add t0, t0, t1; li a0, 0x5a5a; sw a0, 8(t0)
        la t0, page_rw; lw a1, 8(t0); bne a1, a0, fail
        li t0, 0x300 * 4; add t0, t0, s10; lw a1, 0(t0); andi a2, a1, PTE_D; beqz a2, fail
        # 4: read-only 4 KiB page: load works and sets A, not D
        li gp, 4; li t0, 0x90000000; lw a0, 0(t0); li t6, 0x11111111; bne a0, t6, fail
        lw a1, 0(s11); andi a2, a1, PTE_A; beqz a2, fail; andi a2, a1, PTE_D; bnez a2, fail
        # 5: store to it: store page fault, mtval = address, D still clear
        li gp, 5; li s2, 0; li s5, 0x90000004; sw a0, 0(s5)
        li t6, 15; bne s2, t6, fail; bne s4, s5, fail
        lw a1, 0(s11); andi a2, a1, PTE_D; bnez a2, fail
        # 6: invalid page: load page fault
        li gp, 6; li s2, 0; li s5, 0x90003000; lw a0, 0(s5); li t6, 13; bne s2, t6, fail; bne s4, s5, fail
        # 7: user page from S: fault without SUM, works with SUM
        li gp, 7; li s2, 0; li s5, 0x90001000; lw a0, 0(s5); li t6, 13; bne s2, t6, fail
        li t0, 1 << 18; csrs sstatus, t0
        li s2, 0; lw a0, 0(s5); bnez s2, fail; li t6, 0x22222222; bne a0, t6, fail
        li t0, 1 << 18; csrc sstatus, t0
        # 8: execute-only page: load faults without MXR, works with MXR
        li gp, 8; li s2, 0; li s5, 0x90002000; lw a0, 0(s5); li t6, 13; bne s2, t6, fail
        li t0, 1 << 19; csrs sstatus, t0
        li s2, 0; lw a0, 0(s5); bnez s2, fail; li t6, 0x00100513; bne a0, t6, fail
        li t0, 1 << 19; csrc sstatus, t0
        # 9: execute from the execute-only page (li a0, 1; ret)
        li gp, 9; li a0, 0; li t0, 0x90002000; jalr ra, 0(t0); li t6, 1; bne a0, t6, fail
        # 10: fetch from the invalid page: instruction page fault, mepc = mtval = target
        li gp, 10; li s2, 0; li s5, 0x90003000; jalr ra, 0(s5)
        li t6, 12; bne s2, t6, fail; bne s3, s5, fail; bne s4, s5, fail
        # 11: store to a R/W page with A/D clear sets both
        li gp, 11; li t0, 0x90004000; li a0, 0x77; sw a0, 0(t0)
        lw a1, 16(s11); andi a2, a1, PTE_A | PTE_D; li t6, PTE_A | PTE_D; bne a2, t6, fail
        la t0, page_rw; lw a1, 0(t0); li t6, 0x77; bne a1, t6, fail
        # 12: misaligned superpage: page fault
        li gp, 12; li s2, 0; li s5, 0xc0400000; lw a0, 0(s5); li t6, 13; bne s2, t6, fail; bne s4, s5, fail
        # 13: misaligned load across two pages of different mappings (superpage tail + unmapped) faults
        li gp, 13; li s2, 0; li s5, 0x90004ffe; lw a0, 0(s5); li t6, 13; bne s2, t6, fail
        # back to M for MPRV
        la s6, 1f; li a7, MAGIC_TO_M; ecall
1:      # 14: M-mode with MPRV=1, MPP=S loads through the page table
        li gp, 14; li t0, 0x1800; csrc mstatus, t0; li t0, 0x800 | (1 << 17); csrs mstatus, t0
        li t0, 0x90000000; lw a0, 0(t0)
        li t0, 1 << 17; csrc mstatus, t0
        li t6, 0x11111111; bne a0, t6, fail
        csrw satp, zero
RVTEST_END

        .align 2
m_rec:  # record in s2/s3/s4; fetch faults return to ra; MAGIC_TO_M continues at s6 in M; otherwise skip
        csrr s2, mcause; csrr s3, mepc; csrr s4, mtval
        li t0, 9; bne s2, t0, 1f; li t0, MAGIC_TO_M; bne a7, t0, 1f
        li a7, 0; li t0, 0x1800; csrs mstatus, t0; csrw mepc, s6; mret
1:      li t0, 12; bne s2, t0, 2f; csrw mepc, ra; mret
2:      addi t0, s3, 4; csrw mepc, t0; mret

        .data
        .align 12
page_ro: .word 0x11111111
        .align 12
page_u: .word 0x22222222
        .align 12
page_x: li a0, 1
        ret
        .align 12
page_rw: .word 0, 0, 0, 0
        .bss
        .align 12
root:   .skip 4096
l0_id:  .skip 4096
l0_test: .skip 4096
