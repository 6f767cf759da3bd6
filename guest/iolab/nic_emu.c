/* Driver for the workbench's emulated NIC (src/main/engine/devices/net/emulated-nic.ts): every register access
 * below is a trapped MMIO access, one VM exit each. Polled (interrupts masked). */
#include "nic.h"
#include "io.h"
#include "wb_nic.h"


static uint8_t txbuf[1536] __attribute__((aligned(16)));
static uint8_t rxbuf[1536] __attribute__((aligned(16)));
static uint32_t completed;

int nic_init(uint8_t mac[6]) {
  mmio_w32(EMU_BASE + EMU_CTRL, 1);
  mmio_w32(EMU_BASE + EMU_IRQ_MASK, 0);
  wb_mac_from_regs(mmio_r32(EMU_BASE + EMU_MAC_LO), mmio_r32(EMU_BASE + EMU_MAC_HI), mac);
  mmio_w32(EMU_BASE + EMU_RX_ADDR, (uint32_t)rxbuf);
  mmio_w32(EMU_BASE + EMU_RX_CAP, sizeof rxbuf);
  return 0;
}

int nic_tx_add(const uint8_t *frame, uint32_t len) {
  io_memcpy(txbuf, frame, len);
  mmio_w32(EMU_BASE + EMU_TX_ADDR, (uint32_t)txbuf);
  mmio_w32(EMU_BASE + EMU_TX_LEN, len);
  mmio_w32(EMU_BASE + EMU_TX_GO, 1); /* the device model copies and sends it during this exit */
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
  uint32_t len = mmio_r32(EMU_BASE + EMU_RX_LEN);
  if (len == 0) return 0;
  if (len > cap) len = cap;
  io_memcpy(buf, rxbuf, len);
  mmio_w32(EMU_BASE + EMU_RX_DONE, 1);
  return len;
}
