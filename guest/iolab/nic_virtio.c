#include "nic.h"
#include "io.h"
#include "virtio_net.h"

static struct vnet vn;

int nic_init(uint8_t mac[6]) {
  int rc = vnet_init(&vn);
  io_memcpy(mac, vn.mac, 6);
  return rc;
}
int nic_tx_add(const uint8_t *frame, uint32_t len) { return vnet_tx_add(&vn, frame, len); }
void nic_tx_kick(void) { vnet_tx_kick(&vn); }
uint32_t nic_tx_reap(void) { return vnet_tx_reap(&vn); }
uint32_t nic_recv(uint8_t *buf, uint32_t cap) { return vnet_recv(&vn, buf, cap); }
