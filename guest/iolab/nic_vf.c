/* Driver for the workbench's SR-IOV VF (src/main/engine/devices/net/sriov-vf.ts). The register page is mapped
 * straight into the guest and the rings are in guest RAM, reached by the VF through the IOMMU: no access below
 * exits. */
#include "nic.h"
#include "io.h"
#include "wb_nic.h"

#define RING 16

static volatile struct vf_desc txd[RING] __attribute__((aligned(16)));
static volatile struct vf_desc rxd[RING] __attribute__((aligned(16)));
static uint8_t txbuf[RING][1536] __attribute__((aligned(16)));
static uint8_t rxbuf[RING][1536] __attribute__((aligned(16)));
static uint32_t tx_tail, tx_clean, rx_next, rx_tail;

int nic_init(uint8_t mac[6]) {
  wb_mac_from_regs(mmio_r32(VF_BASE + VF_MAC_LO), mmio_r32(VF_BASE + VF_MAC_HI), mac);
  for (int i = 0; i < RING; i++) {
    rxd[i].addr = (uint32_t)rxbuf[i];
    rxd[i].len = sizeof rxbuf[i];
    rxd[i].flags = 0;
  }
  mmio_w32(VF_BASE + VF_TX_BASE, (uint32_t)txd);
  mmio_w32(VF_BASE + VF_TX_SIZE, RING);
  mmio_w32(VF_BASE + VF_RX_BASE, (uint32_t)rxd);
  mmio_w32(VF_BASE + VF_RX_SIZE, RING);
  mmio_w32(VF_BASE + VF_IRQ_MASK, 3); /* completions as posted interrupts */
  mmio_w32(VF_BASE + VF_CTRL, 1);
  rx_tail = RING - 1;
  mb();
  mmio_w32(VF_BASE + VF_RX_TAIL, rx_tail);
  return 0;
}

int nic_tx_add(const uint8_t *frame, uint32_t len) {
  if ((tx_tail + 1) % RING == tx_clean) return -1;
  io_memcpy(txbuf[tx_tail], frame, len);
  txd[tx_tail].addr = (uint32_t)txbuf[tx_tail];
  txd[tx_tail].addr_hi = 0;
  txd[tx_tail].len = (uint16_t)len;
  txd[tx_tail].flags = 0;
  tx_tail = (tx_tail + 1) % RING;
  return 0;
}

void nic_tx_kick(void) {
  mb();
  mmio_w32(VF_BASE + VF_TX_TAIL, tx_tail); /* doorbell: a plain store into the VF's page */
}

uint32_t nic_tx_reap(void) {
  uint32_t n = 0;
  while (tx_clean != tx_tail && (txd[tx_clean].flags & VF_DD)) {
    tx_clean = (tx_clean + 1) % RING;
    n++;
  }
  return n;
}

uint32_t nic_recv(uint8_t *buf, uint32_t cap) {
  if (!(rxd[rx_next].flags & VF_DD)) return 0;
  uint32_t len = rxd[rx_next].len;
  if (len > cap) len = cap;
  io_memcpy(buf, rxbuf[rx_next], len);
  rxd[rx_next].len = sizeof rxbuf[rx_next];
  rxd[rx_next].flags = 0;
  rx_next = (rx_next + 1) % RING;
  rx_tail = (rx_tail + 1) % RING;
  mb();
  mmio_w32(VF_BASE + VF_RX_TAIL, rx_tail);
  return len;
}
