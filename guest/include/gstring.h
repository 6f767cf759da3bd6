/* The few string/memory routines the kernel and user programs need (gcc may also call memset/memcpy itself). */
#ifndef GUEST_GSTRING_H
#define GUEST_GSTRING_H

#include <stdint.h>

void *memset(void *dst, int c, uint32_t n);
void *memcpy(void *dst, const void *src, uint32_t n);
void *memmove(void *dst, const void *src, uint32_t n);
int memcmp(const void *a, const void *b, uint32_t n);
uint32_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, uint32_t n);
void strlcpy(char *dst, const char *src, uint32_t size);

/* parses decimal or 0x-hex with an optional K/M suffix (x1024); returns 0 on success, -1 if malformed */
int parse_u32(const char *s, uint32_t len, uint32_t *out);

#endif
