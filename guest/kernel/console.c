/* Kernel console output: every byte goes through SBI console putchar; "\n" goes out as "\r\n". */
#include "kernel.h"
#include "fmt.h"

void kputc(char c) {
  if (c == '\n') sbi_putchar('\r');
  sbi_putchar(c);
}

void kputs(const char *s) {
  while (*s) kputc(*s++);
}

static void console_sink(char c, void *ctx) {
  (void)ctx;
  kputc(c);
}

void kprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fmt_vformat(console_sink, 0, fmt, ap);
  va_end(ap);
}

void panic(const char *fmt, ...) {
  va_list ap;
  kputs("\npanic: ");
  va_start(ap, fmt);
  fmt_vformat(console_sink, 0, fmt, ap);
  va_end(ap);
  kputs("\n");
  sbi_poweroff(1);
}
