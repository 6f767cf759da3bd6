/* ns16550a input: the receive interrupt (PLIC irq 10) and a poll on every timer tick both drain the UART into
 * a ring that the shell reads. Output goes through SBI (console.c). */
#include "kernel.h"

#define RING 256
static volatile uint8_t ring[RING];
static volatile uint32_t ring_head, ring_tail;

void uart_init(void) {
  mmio_write8(UART0_BASE + UART_IER, 0x00);
  mmio_write8(UART0_BASE + UART_LCR, 0x03); /* 8N1, DLAB off */
  mmio_write8(UART0_BASE + UART_FCR, 0x07); /* FIFOs on and cleared */
  mmio_write8(UART0_BASE + UART_IER, 0x01); /* interrupt when data arrives */
}

void uart_poll(void) {
  while (mmio_read8(UART0_BASE + UART_LSR) & UART_LSR_DR) {
    uint8_t c = mmio_read8(UART0_BASE + UART_RBR);
    if (c == 3 && nr_procs) interrupt_requested = 1; /* ^C stops the running job */
    else if (ring_head - ring_tail < RING) ring[ring_head++ % RING] = c;
  }
}

int uart_getc(void) {
  if (ring_tail == ring_head) return -1;
  return ring[ring_tail++ % RING];
}
