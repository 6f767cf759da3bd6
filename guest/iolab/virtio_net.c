#include "virtio_net.h"
#include "io.h"

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
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_DESC_LO 0x080
#define R_DESC_HI 0x084
#define R_DRIVER_LO 0x090
#define R_DRIVER_HI 0x094
#define R_DEVICE_LO 0x0a0
#define R_DEVICE_HI 0x0a4
#define R_CONFIG 0x100

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

#define F_MAC 5          /* word 0 */
#define F_STATUS 16      /* word 0 */
#define F_EVENT_IDX 29   /* word 0 */
#define F_VERSION_1 0    /* word 1: bit 32 */

#define D_NEXT 1
#define D_WRITE 2

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

/* The device wants a notification if its event index lies in [old, new) (virtio 2.7.10). */
static int need_event(uint16_t event, uint16_t new_idx, uint16_t old) {
  return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static void kick(struct vnet *n, struct queue *q, int index) {
  uint16_t old = q->kicked_idx;
  uint16_t now = q->avail_idx;
  int need;
  mb();
  q->kicked_idx = now;
  if (n->event_idx)
    need = need_event(rd16(&q->used.avail_event), now, old);
  else
    need = (rd16(&q->used.flags) & 1) == 0;
  if (need) {
    wreg(n, R_QUEUE_NOTIFY, (uint32_t)index);
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
  wreg(n, R_QUEUE_SEL, (uint32_t)index);
  if (reg(n, R_QUEUE_READY) != 0) return -1;
  uint32_t max = reg(n, R_QUEUE_NUM_MAX);
  if (max < VNET_QSIZE) return -1;
  io_memset(q, 0, sizeof(*q));
  wreg(n, R_QUEUE_NUM, VNET_QSIZE);
  wreg(n, R_DESC_LO, (uint32_t)&q->desc);
  wreg(n, R_DESC_HI, 0);
  wreg(n, R_DRIVER_LO, (uint32_t)&q->avail);
  wreg(n, R_DRIVER_HI, 0);
  wreg(n, R_DEVICE_LO, (uint32_t)&q->used);
  wreg(n, R_DEVICE_HI, 0);
  wreg(n, R_QUEUE_READY, 1);
  return 0;
}

int vnet_init(struct vnet *n) {
  io_memset(n, 0, sizeof(*n));
  n->slot = -1;
  for (int s = 0; s < 8; s++) {
    uint32_t b = 0x10001000u + 0x1000u * (uint32_t)s;
    if (mmio_r32(b + R_MAGIC) == 0x74726976u && mmio_r32(b + R_VERSION) == 2 && mmio_r32(b + R_DEVICE_ID) == 1) {
      n->base = b;
      n->slot = s;
      break;
    }
  }
  if (n->slot < 0) return -1;
  wreg(n, R_STATUS, 0);
  wreg(n, R_STATUS, S_ACK);
  wreg(n, R_STATUS, S_ACK | S_DRIVER);
  wreg(n, R_DEV_FEATURES_SEL, 0);
  uint32_t f0 = reg(n, R_DEV_FEATURES);
  wreg(n, R_DEV_FEATURES_SEL, 1);
  uint32_t f1 = reg(n, R_DEV_FEATURES);
  if (!(f1 & (1u << F_VERSION_1)) || !(f0 & (1u << F_MAC))) return -2;
  uint32_t want0 = f0 & ((1u << F_MAC) | (1u << F_STATUS) | (1u << F_EVENT_IDX));
  n->event_idx = (want0 >> F_EVENT_IDX) & 1;
  wreg(n, R_DRV_FEATURES_SEL, 0);
  wreg(n, R_DRV_FEATURES, want0);
  wreg(n, R_DRV_FEATURES_SEL, 1);
  wreg(n, R_DRV_FEATURES, 1u << F_VERSION_1);
  wreg(n, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
  if (!(reg(n, R_STATUS) & S_FEATURES_OK)) return -3;
  if (setup_queue(n, &rxq, 0) || setup_queue(n, &txq, 1)) return -4;
  for (int i = 0; i < 6; i++) n->mac[i] = mmio_r8(n->base + R_CONFIG + (uint32_t)i);
  /* every receive buffer goes to the device up front */
  for (uint16_t i = 0; i < VNET_QSIZE; i++) {
    rxq.desc[i].addr_lo = (uint32_t)rxq.buf[i];
    rxq.desc[i].len = VNET_BUF;
    rxq.desc[i].flags = D_WRITE;
    publish(&rxq, i);
  }
  /* interrupt after every used receive buffer: used_event = last_used (we poll, but keep the protocol honest) */
  rxq.avail.used_event = 0;
  wreg(n, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
  kick(n, &rxq, 0);
  return 0;
}

static void ack_interrupts(struct vnet *n) {
  uint32_t st = reg(n, R_INT_STATUS);
  if (st) wreg(n, R_INT_ACK, st);
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
