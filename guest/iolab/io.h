/* Tiny runtime shared by the iolab programs: MMIO accessors, the ns16550a console, the sifive test finisher. */
#ifndef IOLAB_IO_H
#define IOLAB_IO_H
#include <stdint.h>

#define UART0 0x10000000u
#define FINISHER 0x00100000u

static inline void mmio_w32(uint32_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static inline uint32_t mmio_r32(uint32_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_w8(uint32_t addr, uint8_t v) { *(volatile uint8_t *)addr = v; }
static inline uint8_t mmio_r8(uint32_t addr) { return *(volatile uint8_t *)addr; }
static inline void mb(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

void io_putc(char c);
void io_puts(const char *s);
void io_puthex(uint32_t v, int digits);
void io_putdec(uint32_t v);
void io_exit(int code) __attribute__((noreturn));
void *io_memset(void *d, int c, uint32_t n);
void *io_memcpy(void *d, const void *s, uint32_t n);

#endif
