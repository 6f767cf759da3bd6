/* User-side library: system call wrappers and printf. */
#ifndef GUEST_ULIB_H
#define GUEST_ULIB_H

#include <stdint.h>
#include "abi.h"

int32_t sys_write(const void *buf, uint32_t len);
void sys_exit(int32_t status) __attribute__((noreturn));
int32_t sys_getpid(void);
void sys_yield(void);
void sys_sleep_ms(uint32_t ms);
uint64_t sys_time(void);
void sys_sleep_until(uint64_t t);
int32_t sys_netinfo(uint8_t mac[6]);
int32_t sys_net_recv(void *buf, uint32_t cap);
int32_t sys_net_send(const void *frame, uint32_t len);
/* any system call with three arguments (the attacker fuzzes with it) */
int32_t sys_call(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2);

void uprintf(const char *fmt, ...);

/* the programs (each returns its exit status) */
int32_t prog_primes(uint32_t limit);
int32_t prog_collatz(uint32_t limit);
int32_t prog_crc32(uint32_t bytes);
int32_t prog_sort(uint32_t count);
int32_t prog_cpu(uint32_t iters);
int32_t prog_dirty(uint32_t pages, uint32_t rate, uint32_t passes, uint32_t words);
int32_t prog_io(uint32_t count);
int32_t prog_web(uint32_t requests);
int32_t prog_fault(uint32_t kernel_addr);
int32_t prog_victim(uint32_t hold_ms);
int32_t prog_attacker(uint32_t seed, uint32_t tries, uint32_t devices);

#endif
