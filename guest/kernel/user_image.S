/* The user programs (user/), linked at USER_TEXT and flattened; each process gets its own copy. */
    .section .rodata.user_image, "a"
    .globl user_image, user_image_end
    .balign 16
user_image:
    .incbin USER_BIN
user_image_end:
