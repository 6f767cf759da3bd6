/* A polled virtio-net driver for the virtio-mmio transport (virtio 1.x, non-legacy), split virtqueues,
 * with VIRTIO_F_EVENT_IDX notification suppression when the device offers it. */
#ifndef IOLAB_VIRTIO_NET_H
#define IOLAB_VIRTIO_NET_H
#include <stdint.h>

#define VNET_QSIZE 16
#define VNET_BUF 1536
#define VNET_HDR 12

struct vnet {
  uint32_t base;
  int slot;
  int event_idx;
  uint8_t mac[6];
  uint32_t kicks;
  uint32_t kicks_suppressed;
  uint32_t tx_frames;
  uint32_t rx_frames;
  int ack_rx; /* acknowledge the interrupt status after each receive (two register accesses) */
};

/* Find a virtio-net device in the 8 virtio-mmio slots of the virt board and bring it up. 0 on success, else a
 * negative step number telling what failed. */
int vnet_init(struct vnet *n);
/* Queue one Ethernet frame (without FCS) and wait until the device has used it. 0 on success. */
int vnet_send(struct vnet *n, const uint8_t *frame, uint32_t len);
/* Batched transmit: queue (no notification), notify once, reap completions. */
int vnet_tx_add(struct vnet *n, const uint8_t *frame, uint32_t len);
void vnet_tx_kick(struct vnet *n);
uint32_t vnet_tx_reap(struct vnet *n);
uint32_t vnet_tx_inflight(void);
/* Copy the next received frame into buf (at most cap bytes); returns its length or 0 when none is waiting. */
uint32_t vnet_recv(struct vnet *n, uint8_t *buf, uint32_t cap);

#endif
