/* Driver for the workbench's emulated NIC (src/main/engine/devices/net/emulated-nic.ts): every register access
 * below is a trapped MMIO access, one VM exit each. Polled (interrupts masked). */
#include "nic.h"
#include "io.h"

#define EMU 0x10300000u
#define CTRL 0x00
#define MAC_LO 0x08
#define MAC_HI 0x0c
#define TX_ADDR 0x10
#define TX_LEN 0x14
#define TX_GO 0x18
#define RX_ADDR 0x20
#define RX_CAP 0x24
#define RX_LEN 0x28
#define RX_DONE 0x2c
#define IRQ_MASK 0x38

static uint8_t txbuf[1536] __attribute__((aligned(16)));
static uint8_t rxbuf[1536] __attribute__((aligned(16)));
static uint32_t completed;

int nic_init(uint8_t mac[6]) {
  mmio_w32(EMU + CTRL, 1);
  mmio_w32(EMU + IRQ_MASK, 0);
  uint32_t lo = mmio_r32(EMU + MAC_LO), hi = mmio_r32(EMU + MAC_HI);
  for (int i = 0; i < 4; i++) mac[i] = (uint8_t)(lo >> (8 * i));
  mac[4] = (uint8_t)hi;
  mac[5] = (uint8_t)(hi >> 8);
  mmio_w32(EMU + RX_ADDR, (uint32_t)rxbuf);
  mmio_w32(EMU + RX_CAP, sizeof rxbuf);
  return 0;
}

int nic_tx_add(const uint8_t *frame, uint32_t len) {
  io_memcpy(txbuf, frame, len);
  mmio_w32(EMU + TX_ADDR, (uint32_t)txbuf);
  mmio_w32(EMU + TX_LEN, len);
  mmio_w32(EMU + TX_GO, 1); /* the device model copies and sends it during this exit */
  completed++;
  return 0;
}

void nic_tx_kick(void) {}

uint32_t nic_tx_reap(void) {
  uint32_t n = completed;
  completed = 0;
  return n;
}

uint32_t nic_recv(uint8_t *buf, uint32_t cap) {
  uint32_t len = mmio_r32(EMU + RX_LEN);
  if (len == 0) return 0;
  if (len > cap) len = cap;
  io_memcpy(buf, rxbuf, len);
  mmio_w32(EMU + RX_DONE, 1);
  return len;
}
