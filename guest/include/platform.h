/* The QEMU `virt` board as the guest sees it (same map on the workbench, see docs/engine.md). */
#ifndef GUEST_PLATFORM_H
#define GUEST_PLATFORM_H

#define RAM_BASE 0x80000000u
#define FINISHER_BASE 0x00100000u
#define CLINT_BASE 0x02000000u
#define CLINT_MTIMECMP0 (CLINT_BASE + 0x4000u)
#define CLINT_MTIME (CLINT_BASE + 0xbff8u)
#define PLIC_BASE 0x0c000000u
#define UART0_BASE 0x10000000u
#define UART0_IRQ 10
#define VIRTIO_MMIO_BASE 0x10001000u

/* mtime frequency on QEMU virt and on the workbench */
#define TIMEBASE_HZ 10000000u

/* sifive test finisher commands */
#define FINISHER_PASS 0x5555u
#define FINISHER_FAIL 0x3333u
#define FINISHER_RESET 0x7777u

/* ns16550a registers (byte offsets) */
#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_LSR 5
#define UART_SCR 7
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20

#endif
