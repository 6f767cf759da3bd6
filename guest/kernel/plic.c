/* PLIC: route the UART's irq 10 (and the virtio NIC's and the failover slot's, once probed) to hart 0's S-mode context (context 1). */
#include "kernel.h"

#define PLIC_PRIORITY(irq) (PLIC_BASE + 4u * (irq))
#define PLIC_ENABLE(ctx) (PLIC_BASE + 0x2000u + 0x80u * (ctx))
#define PLIC_THRESHOLD(ctx) (PLIC_BASE + 0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_BASE + 0x200004u + 0x1000u * (ctx))
#define PLIC_S_CONTEXT 1

void plic_init(void) {
  mmio_write32(PLIC_PRIORITY(UART0_IRQ), 1);
  mmio_write32(PLIC_ENABLE(PLIC_S_CONTEXT), 1u << UART0_IRQ);
  mmio_write32(PLIC_THRESHOLD(PLIC_S_CONTEXT), 0);
  csr_set(sie, 1u << IRQ_S_EXT);
}

void plic_enable(uint32_t irq) {
  mmio_write32(PLIC_PRIORITY(irq), 1);
  mmio_write32(PLIC_ENABLE(PLIC_S_CONTEXT), mmio_read32(PLIC_ENABLE(PLIC_S_CONTEXT)) | (1u << irq));
}

void plic_handle(void) {
  uint32_t irq;
  while ((irq = mmio_read32(PLIC_CLAIM(PLIC_S_CONTEXT))) != 0) {
    if (irq == UART0_IRQ) uart_poll();
    else if (irq == net_irq()) net_intr();
    else if (irq == net_slot_irq()) net_slot_intr();
    mmio_write32(PLIC_CLAIM(PLIC_S_CONTEXT), irq);
  }
}
