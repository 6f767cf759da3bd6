/* printf-style formatting shared by the kernel and user programs: %s %c %d %u %x %p %%, with optional
 * zero padding, width and left-justified strings (e.g. %08x, %5u, %-16s). The caller supplies the sink. */
#ifndef GUEST_FMT_H
#define GUEST_FMT_H

#include <stdarg.h>
#include <stdint.h>

typedef void (*fmt_sink)(char c, void *ctx);

void fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/* formats into buf (always NUL-terminated), returns the length written */
uint32_t fmt_snprintf(char *buf, uint32_t size, const char *fmt, ...);

#endif
