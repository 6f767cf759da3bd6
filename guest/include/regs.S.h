/* Save/restore the general registers x1, x3..x31 at BASE + 4*n. x2 (sp) is left to the caller and slot 0 is free
 * for the pc. Shared by the M-mode stub and the kernel's trap vector. BASE must be spelled as xN. */
.macro SAVE_GPRS base
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sw x\n, (\n*4)(\base)
    .endr
.endm

/* restores all of them but the base register itself (the caller loads that one last) */
.macro RESTORE_GPRS base
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .ifnc x\n, \base
    lw x\n, (\n*4)(\base)
    .endif
    .endr
.endm
