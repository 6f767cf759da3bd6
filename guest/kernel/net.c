/* The kernel's network device: a polled virtio-net driver (virtio-mmio v2, split virtqueues, VIRTIO_F_EVENT_IDX
 * notification suppression) or the workbench's emulated register NIC. Which one: net=virtio|emulated|none on the
 * command line; the default (auto) scans the virtio-mmio slots only when booted with a device tree (QEMU, which
 * decodes every slot), because the workbench VMM stops a guest that touches a slot without a device (the host
 * passes net=virtio or net=emulated when it plugs a NIC in). Probed once, on first use; user programs reach it
 * through net_recv/net_send (syscall.c). Interrupts stay masked: the web workload polls. */
#include "kernel.h"
#include "gstring.h"
#include "abi.h"

/* virtio-mmio registers (virtio 1.x, 4.2.2) */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_STATUS 0x070
#define R_DESC_LO 0x080
#define R_DESC_HI 0x084
#define R_DRIVER_LO 0x090
#define R_DRIVER_HI 0x094
#define R_DEVICE_LO 0x0a0
#define R_DEVICE_HI 0x0a4
#define R_CONFIG 0x100
#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u
#define FEAT_MAC 5u
#define FEAT_STATUS 16u
#define FEAT_EVENT_IDX 29u
#define DESC_WRITE 2u
#define QSIZE 16u
#define BUFSZ 1536u /* of the 2048 bytes each buffer owns */
#define HDR 12u /* virtio_net_hdr with num_buffers (VERSION_1) */

/* the emulated NIC (src/main/engine/devices/net/emulated-nic.ts): every access traps */
#define EMU_BASE 0x10300000u
#define EMU_CTRL 0x00
#define EMU_MAC_LO 0x08
#define EMU_MAC_HI 0x0c
#define EMU_TX_ADDR 0x10
#define EMU_TX_LEN 0x14
#define EMU_TX_GO 0x18
#define EMU_RX_ADDR 0x20
#define EMU_RX_CAP 0x24
#define EMU_RX_LEN 0x28
#define EMU_RX_DONE 0x2c
#define EMU_IRQ_MASK 0x38

struct vdesc {
  uint32_t addr_lo, addr_hi, len;
  uint16_t flags, next;
};
struct vavail {
  uint16_t flags, idx, ring[QSIZE], used_event;
};
struct vused {
  uint16_t flags, idx;
  struct {
    uint32_t id, len;
  } ring[QSIZE];
  uint16_t avail_event;
};
/* the rings share one page; buffers are two per page. All of it is allocated at probe time, so a kernel without
 * a network device keeps its size and its free-page count. */
struct vring {
  struct vdesc desc[QSIZE] __attribute__((aligned(16)));
  struct vavail avail __attribute__((aligned(2)));
  struct vused used __attribute__((aligned(4)));
};
struct vq {
  struct vring *r;
  uint8_t *buf[QSIZE];
  uint16_t next_avail, kicked, last_used;
};

static struct vq rxq, txq;
static uint8_t *emu_rx, *emu_tx;
static int net_kind = -1; /* -1 not probed yet, else NET_NONE / NET_VIRTIO / NET_EMULATED */
static uint32_t vbase;
static int event_idx;
static uint8_t net_mac[6];
uint32_t boot_dtb; /* main.c: nonzero when a device tree was passed (QEMU) */

static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }
static uint32_t vr(uint32_t off) { return mmio_read32(vbase + off); }
static void vw(uint32_t off, uint32_t v) { mmio_write32(vbase + off, v); }

static void vq_publish(struct vq *q, uint16_t id) {
  q->r->avail.ring[q->next_avail % QSIZE] = id;
  q->next_avail++;
  fence();
  *(volatile uint16_t *)&q->r->avail.idx = q->next_avail;
}

/* notify unless the device said it does not need it (EVENT_IDX: vring_need_event, virtio 2.7.10) */
static void vq_kick(struct vq *q, uint32_t index) {
  uint16_t old = q->kicked, now = q->next_avail;
  fence();
  q->kicked = now;
  int need = event_idx ? (uint16_t)(now - *(volatile uint16_t *)&q->r->used.avail_event - 1) < (uint16_t)(now - old)
                       : (*(volatile uint16_t *)&q->r->used.flags & 1) == 0;
  if (need) vw(R_QUEUE_NOTIFY, index);
}

static int vq_setup(struct vq *q, uint32_t index) {
  vw(R_QUEUE_SEL, index);
  if (vr(R_QUEUE_READY) != 0 || vr(R_QUEUE_NUM_MAX) < QSIZE) return -1;
  q->r = kalloc();
  if (!q->r) return -1;
  for (uint32_t i = 0; i < QSIZE; i += 2) {
    uint8_t *page = kalloc();
    if (!page) return -1;
    q->buf[i] = page;
    q->buf[i + 1] = page + PAGE_SIZE / 2;
  }
  vw(R_QUEUE_NUM, QSIZE);
  vw(R_DESC_LO, (uint32_t)q->r->desc);
  vw(R_DESC_HI, 0);
  vw(R_DRIVER_LO, (uint32_t)&q->r->avail);
  vw(R_DRIVER_HI, 0);
  vw(R_DEVICE_LO, (uint32_t)&q->r->used);
  vw(R_DEVICE_HI, 0);
  vw(R_QUEUE_READY, 1);
  return 0;
}

static int virtio_probe(void) {
  kvm_map_device(VIRTIO_MMIO_BASE, VIRTIO_MMIO_BASE + 8 * PAGE_SIZE);
  for (uint32_t s = 0; s < 8; s++) {
    uint32_t b = VIRTIO_MMIO_BASE + s * PAGE_SIZE;
    if (mmio_read32(b + R_MAGIC) == 0x74726976u && mmio_read32(b + R_VERSION) == 2 && mmio_read32(b + R_DEVICE_ID) == 1) {
      vbase = b;
      break;
    }
  }
  if (!vbase) return 0;
  vw(R_STATUS, 0);
  vw(R_STATUS, ST_ACK);
  vw(R_STATUS, ST_ACK | ST_DRIVER);
  vw(R_DEV_FEATURES_SEL, 0);
  uint32_t f0 = vr(R_DEV_FEATURES);
  vw(R_DEV_FEATURES_SEL, 1);
  uint32_t f1 = vr(R_DEV_FEATURES);
  if (!(f1 & 1u) || !(f0 & (1u << FEAT_MAC))) return 0; /* VERSION_1 (bit 32) and a MAC are required */
  uint32_t want = f0 & ((1u << FEAT_MAC) | (1u << FEAT_STATUS) | (1u << FEAT_EVENT_IDX));
  event_idx = (want >> FEAT_EVENT_IDX) & 1;
  vw(R_DRV_FEATURES_SEL, 0);
  vw(R_DRV_FEATURES, want);
  vw(R_DRV_FEATURES_SEL, 1);
  vw(R_DRV_FEATURES, 1u);
  vw(R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
  if (!(vr(R_STATUS) & ST_FEATURES_OK)) return 0;
  if (vq_setup(&rxq, 0) || vq_setup(&txq, 1)) return 0;
  for (uint32_t i = 0; i < 6; i++) net_mac[i] = mmio_read8(vbase + R_CONFIG + i);
  for (uint16_t i = 0; i < QSIZE; i++) {
    rxq.r->desc[i].addr_lo = (uint32_t)rxq.buf[i];
    rxq.r->desc[i].len = BUFSZ;
    rxq.r->desc[i].flags = DESC_WRITE;
    vq_publish(&rxq, i);
  }
  vw(R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
  vq_kick(&rxq, 0);
  return 1;
}

static int emulated_probe(void) {
  emu_rx = kalloc();
  emu_tx = kalloc();
  if (!emu_rx || !emu_tx) return 0;
  kvm_map_device(EMU_BASE, EMU_BASE + PAGE_SIZE);
  mmio_write32(EMU_BASE + EMU_CTRL, 1);
  mmio_write32(EMU_BASE + EMU_IRQ_MASK, 0);
  uint32_t lo = mmio_read32(EMU_BASE + EMU_MAC_LO), hi = mmio_read32(EMU_BASE + EMU_MAC_HI);
  for (int i = 0; i < 4; i++) net_mac[i] = (uint8_t)(lo >> (8 * i));
  net_mac[4] = (uint8_t)hi;
  net_mac[5] = (uint8_t)(hi >> 8);
  mmio_write32(EMU_BASE + EMU_RX_ADDR, (uint32_t)emu_rx);
  mmio_write32(EMU_BASE + EMU_RX_CAP, BUFSZ);
  return 1;
}

int net_probe(void) {
  if (net_kind >= 0) return net_kind;
  char want[16];
  if (!cmdline_get(0, "net", want, sizeof want)) strlcpy(want, "auto", sizeof want);
  net_kind = NET_NONE;
  if ((strcmp(want, "virtio") == 0 || (strcmp(want, "auto") == 0 && boot_dtb)) && virtio_probe()) net_kind = NET_VIRTIO;
  else if (strcmp(want, "emulated") == 0 && emulated_probe()) net_kind = NET_EMULATED;
  return net_kind;
}

const uint8_t *net_macaddr(void) { return net_mac; }

uint32_t net_recv(uint8_t *buf, uint32_t cap) {
  if (net_probe() == NET_EMULATED) {
    uint32_t len = mmio_read32(EMU_BASE + EMU_RX_LEN);
    if (!len) return 0;
    if (len > cap) len = cap;
    memcpy(buf, emu_rx, len);
    mmio_write32(EMU_BASE + EMU_RX_DONE, 1);
    return len;
  }
  if (net_kind != NET_VIRTIO) return 0;
  fence();
  if (*(volatile uint16_t *)&rxq.r->used.idx == rxq.last_used) return 0;
  uint32_t id = rxq.r->used.ring[rxq.last_used % QSIZE].id, len = rxq.r->used.ring[rxq.last_used % QSIZE].len;
  rxq.last_used++;
  rxq.r->avail.used_event = rxq.last_used;
  len = len > HDR ? len - HDR : 0;
  if (len > cap) len = cap;
  if (id < QSIZE) memcpy(buf, rxq.buf[id] + HDR, len);
  vq_publish(&rxq, (uint16_t)(id % QSIZE)); /* the buffer goes back to the device */
  vq_kick(&rxq, 0);
  return len;
}

int net_send(const uint8_t *frame, uint32_t len) {
  if (len > BUFSZ - HDR) return -EINVAL;
  if (net_probe() == NET_EMULATED) {
    memcpy(emu_tx, frame, len);
    mmio_write32(EMU_BASE + EMU_TX_ADDR, (uint32_t)emu_tx);
    mmio_write32(EMU_BASE + EMU_TX_LEN, len);
    mmio_write32(EMU_BASE + EMU_TX_GO, 1); /* the device model sends it during this exit */
    return (int)len;
  }
  if (net_kind != NET_VIRTIO) return -ENODEV;
  /* reap completions; a full ring waits for the device (polled transmit, one frame at a time is enough here) */
  for (uint32_t spin = 0;; spin++) {
    fence();
    txq.last_used = *(volatile uint16_t *)&txq.r->used.idx;
    if ((uint16_t)(txq.next_avail - txq.last_used) < QSIZE) break;
    if (spin > 10000000u) return -EAGAIN;
  }
  txq.r->avail.used_event = (uint16_t)(txq.last_used + QSIZE - 1); /* no interrupts wanted: we poll */
  uint16_t id = txq.next_avail % QSIZE;
  memset(txq.buf[id], 0, HDR);
  memcpy(txq.buf[id] + HDR, frame, len);
  txq.r->desc[id].addr_lo = (uint32_t)txq.buf[id];
  txq.r->desc[id].addr_hi = 0;
  txq.r->desc[id].len = HDR + len;
  txq.r->desc[id].flags = 0;
  vq_publish(&txq, id);
  vq_kick(&txq, 1);
  return (int)len;
}
