#include "gstring.h"

void *memset(void *dst, int c, uint32_t n) {
  uint8_t *d = dst;
  if ((((uint32_t)d | n) & 3) == 0) { /* word-aligned: page clearing is the common case */
    uint32_t w = (uint8_t)c * 0x01010101u;
    for (uint32_t *p = dst; n; n -= 4) *p++ = w;
    return dst;
  }
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

void *memcpy(void *dst, const void *src, uint32_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if ((((uint32_t)d | (uint32_t)s | n) & 3) == 0) {
    uint32_t *dw = dst;
    const uint32_t *sw = src;
    for (; n; n -= 4) *dw++ = *sw++;
    return dst;
  }
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, uint32_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if (d < s) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

int memcmp(const void *a, const void *b, uint32_t n) {
  const uint8_t *x = a, *y = b;
  for (uint32_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

uint32_t strlen(const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return n;
}

int strncmp(const char *a, const char *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    if (a[i] != b[i]) return (uint8_t)a[i] < (uint8_t)b[i] ? -1 : 1;
    if (!a[i]) return 0;
  }
  return 0;
}

int strcmp(const char *a, const char *b) { return strncmp(a, b, 0xffffffffu); }

void strlcpy(char *dst, const char *src, uint32_t size) {
  uint32_t i = 0;
  if (!size) return;
  for (; i + 1 < size && src[i]; i++) dst[i] = src[i];
  dst[i] = 0;
}

int parse_u32(const char *s, uint32_t len, uint32_t *out) {
  uint32_t v = 0, base = 10, i = 0;
  if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  }
  if (i >= len) return -1;
  for (; i < len; i++) {
    char c = s[i];
    uint32_t d;
    if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') d = (uint32_t)(c - 'A' + 10);
    else if (i == len - 1 && i > 0 && (c == 'K' || c == 'k' || c == 'M' || c == 'm')) {
      uint32_t shift = (c == 'K' || c == 'k') ? 10 : 20;
      if (v >> (32 - shift)) return -1;
      *out = v << shift;
      return 0;
    } else return -1;
    if (v > (0xffffffffu - d) / base) return -1;
    v = v * base + d;
  }
  *out = v;
  return 0;
}
