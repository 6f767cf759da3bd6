/* One small interface over the three NIC paths the network lab compares, each in its own file:
 * nic_virtio.c (virtio-net), nic_emu.c (the register-programmed emulated NIC), nic_vf.c (the SR-IOV VF). */
#ifndef IOLAB_NIC_H
#define IOLAB_NIC_H
#include <stdint.h>

int nic_init(uint8_t mac[6]);
/* Queue a frame for transmission; -1 when the transmit ring is full. */
int nic_tx_add(const uint8_t *frame, uint32_t len);
/* Tell the device about queued frames (a doorbell: an exit or not, depending on the path). */
void nic_tx_kick(void);
/* Count transmit completions since the last call. */
uint32_t nic_tx_reap(void);
/* The next received frame, copied into buf; 0 if none. */
uint32_t nic_recv(uint8_t *buf, uint32_t cap);

#endif
