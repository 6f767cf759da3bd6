#include "virtio_net.h"
#include "io.h"
#include "virtio_mmio.h"

struct desc {
  uint32_t addr_lo, addr_hi, len;
  uint16_t flags, next;
};
struct avail {
  uint16_t flags, idx, ring[VNET_QSIZE], used_event;
};
struct used_elem {
  uint32_t id, len;
};
struct used {
  uint16_t flags, idx;
  struct used_elem ring[VNET_QSIZE];
  uint16_t avail_event;
};

struct queue {
  struct desc desc[VNET_QSIZE] __attribute__((aligned(16)));
  struct avail avail __attribute__((aligned(2)));
  struct used used __attribute__((aligned(4)));
  uint16_t avail_idx;   /* next avail index we will publish */
  uint16_t kicked_idx;  /* avail index at the last notify decision */
  uint16_t last_used;   /* next used index we will read */
  uint8_t buf[VNET_QSIZE][VNET_BUF] __attribute__((aligned(16)));
};

static struct queue rxq, txq;

static inline uint32_t reg(struct vnet *n, uint32_t off) { return mmio_r32(n->base + off); }
static inline void wreg(struct vnet *n, uint32_t off, uint32_t v) { mmio_w32(n->base + off, v); }
static inline uint16_t rd16(volatile uint16_t *p) { return *p; }


static void kick(struct vnet *n, struct queue *q, int index) {
  uint16_t old = q->kicked_idx;
  uint16_t now = q->avail_idx;
  int need;
  mb();
  q->kicked_idx = now;
  if (n->event_idx)
    need = vio_need_event(rd16(&q->used.avail_event), now, old);
  else
    need = (rd16(&q->used.flags) & VIO_USED_F_NO_NOTIFY) == 0;
  if (need) {
    wreg(n, VIO_QUEUE_NOTIFY, (uint32_t)index);
    n->kicks++;
  } else {
    n->kicks_suppressed++;
  }
}

static void publish(struct queue *q, uint16_t id) {
  q->avail.ring[q->avail_idx % VNET_QSIZE] = id;
  q->avail_idx++;
  mb();
  *(volatile uint16_t *)&q->avail.idx = q->avail_idx;
}

static int setup_queue(struct vnet *n, struct queue *q, int index) {
  wreg(n, VIO_QUEUE_SEL, (uint32_t)index);
  if (reg(n, VIO_QUEUE_READY) != 0) return -1;
  uint32_t max = reg(n, VIO_QUEUE_NUM_MAX);
  if (max < VNET_QSIZE) return -1;
  io_memset(q, 0, sizeof(*q));
  wreg(n, VIO_QUEUE_NUM, VNET_QSIZE);
  wreg(n, VIO_DESC_LO, (uint32_t)&q->desc);
  wreg(n, VIO_DESC_HI, 0);
  wreg(n, VIO_DRIVER_LO, (uint32_t)&q->avail);
  wreg(n, VIO_DRIVER_HI, 0);
  wreg(n, VIO_DEVICE_LO, (uint32_t)&q->used);
  wreg(n, VIO_DEVICE_HI, 0);
  wreg(n, VIO_QUEUE_READY, 1);
  return 0;
}

int vnet_init(struct vnet *n) {
  io_memset(n, 0, sizeof(*n));
  n->slot = -1;
  for (int s = 0; s < 8; s++) {
    uint32_t b = VIO_SLOT_BASE + VIO_SLOT_SIZE * (uint32_t)s;
    if (mmio_r32(b + VIO_MAGIC) == VIO_MAGIC_VALUE && mmio_r32(b + VIO_VERSION) == 2 && mmio_r32(b + VIO_DEVICE_ID) == VIO_DEVICE_NET) {
      n->base = b;
      n->slot = s;
      break;
    }
  }
  if (n->slot < 0) return -1;
  wreg(n, VIO_STATUS, 0);
  wreg(n, VIO_STATUS, VIO_S_ACK);
  wreg(n, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER);
  wreg(n, VIO_DEV_FEATURES_SEL, 0);
  uint32_t f0 = reg(n, VIO_DEV_FEATURES);
  wreg(n, VIO_DEV_FEATURES_SEL, 1);
  uint32_t f1 = reg(n, VIO_DEV_FEATURES);
  if (!(f1 & (1u << VIO_F1_VERSION_1)) || !(f0 & (1u << VIO_F_NET_MAC))) return -2;
  uint32_t want0 = f0 & ((1u << VIO_F_NET_MAC) | (1u << VIO_F_NET_STATUS) | (1u << VIO_F_EVENT_IDX));
  n->event_idx = (want0 >> VIO_F_EVENT_IDX) & 1;
  wreg(n, VIO_DRV_FEATURES_SEL, 0);
  wreg(n, VIO_DRV_FEATURES, want0);
  wreg(n, VIO_DRV_FEATURES_SEL, 1);
  wreg(n, VIO_DRV_FEATURES, 1u << VIO_F1_VERSION_1);
  wreg(n, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK);
  if (!(reg(n, VIO_STATUS) & VIO_S_FEATURES_OK)) return -3;
  if (setup_queue(n, &rxq, 0) || setup_queue(n, &txq, 1)) return -4;
  for (int i = 0; i < 6; i++) n->mac[i] = mmio_r8(n->base + VIO_CONFIG + (uint32_t)i);
  /* every receive buffer goes to the device up front */
  for (uint16_t i = 0; i < VNET_QSIZE; i++) {
    rxq.desc[i].addr_lo = (uint32_t)rxq.buf[i];
    rxq.desc[i].len = VNET_BUF;
    rxq.desc[i].flags = VIO_D_WRITE;
    publish(&rxq, i);
  }
  /* interrupt after every used receive buffer: used_event = last_used (we poll, but keep the protocol honest) */
  rxq.avail.used_event = 0;
  wreg(n, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK | VIO_S_DRIVER_OK);
  kick(n, &rxq, 0);
  return 0;
}

static void ack_interrupts(struct vnet *n) {
  uint32_t st = reg(n, VIO_INT_STATUS);
  if (st) wreg(n, VIO_INT_ACK, st);
}

int vnet_tx_add(struct vnet *n, const uint8_t *frame, uint32_t len) {
  (void)n;
  if (len + VNET_HDR > VNET_BUF || (uint16_t)(txq.avail_idx - txq.last_used) >= VNET_QSIZE) return -1;
  uint16_t id = txq.avail_idx % VNET_QSIZE;
  io_memset(txq.buf[id], 0, VNET_HDR);
  io_memcpy(txq.buf[id] + VNET_HDR, frame, len);
  txq.desc[id].addr_lo = (uint32_t)txq.buf[id];
  txq.desc[id].addr_hi = 0;
  txq.desc[id].len = VNET_HDR + len;
  txq.desc[id].flags = 0;
  publish(&txq, id);
  return 0;
}

void vnet_tx_kick(struct vnet *n) { kick(n, &txq, 1); }

uint32_t vnet_tx_reap(struct vnet *n) {
  uint32_t done = 0;
  mb();
  while (rd16(&txq.used.idx) != txq.last_used) {
    txq.last_used++;
    n->tx_frames++;
    done++;
  }
  /* polled driver: ask for an interrupt only when the whole ring has been used (EVENT_IDX used_event) */
  txq.avail.used_event = (uint16_t)(txq.last_used + VNET_QSIZE - 1);
  return done;
}

uint32_t vnet_tx_inflight(void) { return (uint16_t)(txq.avail_idx - txq.last_used); }

int vnet_send(struct vnet *n, const uint8_t *frame, uint32_t len) {
  if (vnet_tx_add(n, frame, len)) return -1;
  vnet_tx_kick(n);
  for (uint32_t spin = 0; spin < 50000000u; spin++) {
    if (vnet_tx_reap(n)) {
      ack_interrupts(n);
      return 0;
    }
  }
  return -2;
}

uint32_t vnet_recv(struct vnet *n, uint8_t *buf, uint32_t cap) {
  mb();
  if (rd16(&rxq.used.idx) == rxq.last_used) return 0;
  struct used_elem e = rxq.used.ring[rxq.last_used % VNET_QSIZE];
  rxq.last_used++;
  rxq.avail.used_event = rxq.last_used;
  uint32_t len = e.len > VNET_HDR ? e.len - VNET_HDR : 0;
  if (len > cap) len = cap;
  io_memcpy(buf, rxq.buf[e.id] + VNET_HDR, len);
  n->rx_frames++;
  publish(&rxq, (uint16_t)e.id); /* give the buffer back */
  kick(n, &rxq, 0);
  if (n->ack_rx) ack_interrupts(n);
  return len;
}
