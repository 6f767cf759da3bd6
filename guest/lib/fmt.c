#include "fmt.h"

static void emit_number(fmt_sink sink, void *ctx, uint32_t v, uint32_t base, int negative, uint32_t width, char pad) {
  char digits[12];
  uint32_t n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  uint32_t len = n + (negative ? 1 : 0);
  if (negative && pad == '0') sink('-', ctx);
  for (; len < width; len++) sink(pad, ctx);
  if (negative && pad != '0') sink('-', ctx);
  while (n) sink(digits[--n], ctx);
}

void fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      sink(*fmt, ctx);
      continue;
    }
    fmt++;
    char pad = ' ';
    uint32_t width = 0, left = 0;
    if (*fmt == '-') {
      left = 1;
      fmt++;
    }
    if (*fmt == '0') {
      pad = '0';
      fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (uint32_t)(*fmt++ - '0');
    switch (*fmt) {
    case 'd': {
      int32_t v = va_arg(ap, int32_t);
      emit_number(sink, ctx, v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v, 10, v < 0, width, pad);
      break;
    }
    case 'u':
      emit_number(sink, ctx, va_arg(ap, uint32_t), 10, 0, width, pad);
      break;
    case 'x':
      emit_number(sink, ctx, va_arg(ap, uint32_t), 16, 0, width, pad);
      break;
    case 'p':
      sink('0', ctx);
      sink('x', ctx);
      emit_number(sink, ctx, va_arg(ap, uint32_t), 16, 0, 8, '0');
      break;
    case 'c':
      sink((char)va_arg(ap, int), ctx);
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      uint32_t len = 0;
      while (s[len]) len++;
      if (!left)
        for (; len < width; len++) sink(' ', ctx);
      while (*s) sink(*s++, ctx);
      for (; len < width; len++) sink(' ', ctx);
      break;
    }
    case '%':
      sink('%', ctx);
      break;
    case 0:
      return;
    default:
      sink('%', ctx);
      sink(*fmt, ctx);
    }
  }
}

struct buf_ctx {
  char *buf;
  uint32_t size, len;
};

static void buf_sink(char c, void *ctx) {
  struct buf_ctx *b = ctx;
  if (b->len + 1 < b->size) b->buf[b->len++] = c;
}

uint32_t fmt_snprintf(char *buf, uint32_t size, const char *fmt, ...) {
  struct buf_ctx b = {buf, size, 0};
  va_list ap;
  va_start(ap, fmt);
  fmt_vformat(buf_sink, &b, fmt, ap);
  va_end(ap);
  if (size) buf[b.len] = 0;
  return b.len;
}
