/* virtio over MMIO (virtio 1.x, 4.2.2: the non-legacy "version 2" register layout) and the split virtqueue's
 * flags, shared by the kernel's network driver (guest/kernel/net.c) and the I/O lab's (guest/iolab/virtio_net.c). */
#ifndef GUEST_VIRTIO_MMIO_H
#define GUEST_VIRTIO_MMIO_H
#include <stdint.h>

#define VIO_MAGIC_VALUE 0x74726976u /* "virt" */
#define VIO_SLOT_BASE 0x10001000u   /* eight transports on the virt board, 4 KiB apart; slot n drives PLIC irq n+1 */
#define VIO_SLOT_SIZE 0x1000u
#define VIO_SLOTS 8u
#define VIO_DEVICE_NET 1u

/* registers */
#define VIO_MAGIC 0x000
#define VIO_VERSION 0x004
#define VIO_DEVICE_ID 0x008
#define VIO_DEV_FEATURES 0x010
#define VIO_DEV_FEATURES_SEL 0x014
#define VIO_DRV_FEATURES 0x020
#define VIO_DRV_FEATURES_SEL 0x024
#define VIO_QUEUE_SEL 0x030
#define VIO_QUEUE_NUM_MAX 0x034
#define VIO_QUEUE_NUM 0x038
#define VIO_QUEUE_READY 0x044
#define VIO_QUEUE_NOTIFY 0x050
#define VIO_INT_STATUS 0x060
#define VIO_INT_ACK 0x064
#define VIO_STATUS 0x070
#define VIO_DESC_LO 0x080
#define VIO_DESC_HI 0x084
#define VIO_DRIVER_LO 0x090
#define VIO_DRIVER_HI 0x094
#define VIO_DEVICE_LO 0x0a0
#define VIO_DEVICE_HI 0x0a4
#define VIO_CONFIG 0x100

/* device status */
#define VIO_S_ACK 1u
#define VIO_S_DRIVER 2u
#define VIO_S_DRIVER_OK 4u
#define VIO_S_FEATURES_OK 8u

/* feature bits: word 0, and VERSION_1 = bit 0 of word 1 (feature 32) */
#define VIO_F_NET_MAC 5u
#define VIO_F_NET_STATUS 16u
#define VIO_F_EVENT_IDX 29u
#define VIO_F1_VERSION_1 0u

/* descriptor flags; ring flags when EVENT_IDX is not negotiated */
#define VIO_D_NEXT 1u
#define VIO_D_WRITE 2u
#define VIO_AVAIL_F_NO_INTERRUPT 1u
#define VIO_USED_F_NO_NOTIFY 1u

/* virtio-net header (VERSION_1 layout, num_buffers included) */
#define VIO_NET_HDR 12u

/* With EVENT_IDX: the other side wants a notification if its event index lies in [old, new) (virtio 2.7.10). */
static inline int vio_need_event(uint16_t event, uint16_t new_idx, uint16_t old) {
  return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

#endif
