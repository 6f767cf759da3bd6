/* One environment call: a7 = number (SBI extension or system call), a6 = function, a0..a2 = arguments.
 * Returns a0 and a1 (SBI: error and value; system calls: result and high word). */
#ifndef GUEST_ECALL_H
#define GUEST_ECALL_H

#include <stdint.h>

struct ecall_ret {
  uint32_t a0, a1;
};

static inline struct ecall_ret ecall(uint32_t a7, uint32_t a6, uint32_t a0, uint32_t a1, uint32_t a2) {
  register uint32_t r0 __asm__("a0") = a0;
  register uint32_t r1 __asm__("a1") = a1;
  register uint32_t r2 __asm__("a2") = a2;
  register uint32_t r6 __asm__("a6") = a6;
  register uint32_t r7 __asm__("a7") = a7;
  __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
  struct ecall_ret r = {r0, r1};
  return r;
}

#endif
