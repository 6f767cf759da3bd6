/* The kernel's network device: a virtio-net driver (virtio-mmio v2, split virtqueues, VIRTIO_F_EVENT_IDX
 * notification suppression), the workbench's emulated register NIC, its SR-IOV VF, or a failover pair of the two
 * (a VF primary and a virtio standby with the same MAC, as Linux's net_failover). Which one:
 * net=virtio|emulated|vf|failover|none on the command line; the default (auto) scans the virtio-mmio slots only when
 * booted with a device tree (QEMU, which decodes every slot), because the workbench VMM stops a guest that touches a
 * slot without a device (the host passes net= to match the NIC it plugs in). Probed once, on first use; user
 * programs reach it through net_recv/net_send (syscall.c).
 * Receive is interrupt-driven as Linux's NAPI does it: while frames are being taken the device asks for no
 * interrupt; a process that finds nothing arms it, re-checks, sleeps, and the interrupt wakes it. virtio's
 * interrupt comes through the PLIC (slot n: source n+1, an exit per wake-up on a VMM); the VF's is posted (no
 * exit: wb_nic.h). Transmit completions are reaped by polling. The emulated NIC polls. */
#include "kernel.h"
#include "gstring.h"
#include "abi.h"
#include "virtio_mmio.h"
#include "wb_nic.h"

#define QSIZE 16u
#define BUFSZ 1536u /* of the 2048 bytes each buffer owns */
#define HDR VIO_NET_HDR


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

/* the workbench's SR-IOV VF (src/main/engine/devices/net/sriov-vf.ts): its register page is mapped straight into
 * the VM and its descriptor rings are in guest RAM, reached by the VF through the IOMMU, so nothing below exits,
 * its posted interrupt included. In a failover pair it may come and go (the hot-plug slot, wb_nic.h). */
static volatile struct vf_desc *vf_tx, *vf_rx; /* QSIZE each, sharing one page */
static uint8_t *vf_rxbuf[QSIZE], *vf_txbuf;
static uint32_t vf_tx_tail, vf_rx_next, vf_rx_tail;
static int vf_up;        /* the VF carries traffic (net=vf, or the failover pair's primary is present) */
static int vf_armed;     /* its receive interrupt is unmasked */
static int vf_releasing; /* failover: the host asked for it back; its ring is drained, then it is ejected */
static int net_kind = -1; /* -1 not probed yet, else NET_NONE / NET_VIRTIO / NET_EMULATED / NET_VF / NET_FAILOVER */
static uint32_t vbase, virq;
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
  int need = event_idx ? vio_need_event(*(volatile uint16_t *)&q->r->used.avail_event, now, old)
                       : (*(volatile uint16_t *)&q->r->used.flags & VIO_USED_F_NO_NOTIFY) == 0;
  if (need) vw(VIO_QUEUE_NOTIFY, index);
}

/* receive interrupts on (the next used buffer interrupts) or off (none until the driver asks again) */
static void rx_irq(int on) {
  if (event_idx) rxq.r->avail.used_event = on ? rxq.last_used : (uint16_t)(rxq.last_used - 1);
  else rxq.r->avail.flags = on ? 0 : VIO_AVAIL_F_NO_INTERRUPT;
  fence();
}

static int vq_setup(struct vq *q, uint32_t index) {
  vw(VIO_QUEUE_SEL, index);
  if (vr(VIO_QUEUE_READY) != 0 || vr(VIO_QUEUE_NUM_MAX) < QSIZE) return -1;
  q->r = kalloc();
  if (!q->r) return -1;
  for (uint32_t i = 0; i < QSIZE; i += 2) {
    uint8_t *page = kalloc();
    if (!page) return -1;
    q->buf[i] = page;
    q->buf[i + 1] = page + PAGE_SIZE / 2;
  }
  vw(VIO_QUEUE_NUM, QSIZE);
  vw(VIO_DESC_LO, (uint32_t)q->r->desc);
  vw(VIO_DESC_HI, 0);
  vw(VIO_DRIVER_LO, (uint32_t)&q->r->avail);
  vw(VIO_DRIVER_HI, 0);
  vw(VIO_DEVICE_LO, (uint32_t)&q->r->used);
  vw(VIO_DEVICE_HI, 0);
  vw(VIO_QUEUE_READY, 1);
  return 0;
}

static int virtio_probe(void) {
  kvm_map_device(VIO_SLOT_BASE, VIO_SLOT_BASE + VIO_SLOTS * VIO_SLOT_SIZE);
  for (uint32_t s = 0; s < VIO_SLOTS; s++) {
    uint32_t b = VIO_SLOT_BASE + s * VIO_SLOT_SIZE;
    if (mmio_read32(b + VIO_MAGIC) == VIO_MAGIC_VALUE && mmio_read32(b + VIO_VERSION) == 2 && mmio_read32(b + VIO_DEVICE_ID) == VIO_DEVICE_NET) {
      vbase = b;
      virq = s + 1;
      break;
    }
  }
  if (!vbase) return 0;
  vw(VIO_STATUS, 0);
  vw(VIO_STATUS, VIO_S_ACK);
  vw(VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER);
  vw(VIO_DEV_FEATURES_SEL, 0);
  uint32_t f0 = vr(VIO_DEV_FEATURES);
  vw(VIO_DEV_FEATURES_SEL, 1);
  uint32_t f1 = vr(VIO_DEV_FEATURES);
  if (!(f1 & 1u) || !(f0 & (1u << VIO_F_NET_MAC))) return 0; /* VERSION_1 (bit 32) and a MAC are required */
  uint32_t want = f0 & ((1u << VIO_F_NET_MAC) | (1u << VIO_F_NET_STATUS) | (1u << VIO_F_EVENT_IDX));
  event_idx = (want >> VIO_F_EVENT_IDX) & 1;
  vw(VIO_DRV_FEATURES_SEL, 0);
  vw(VIO_DRV_FEATURES, want);
  vw(VIO_DRV_FEATURES_SEL, 1);
  vw(VIO_DRV_FEATURES, 1u << VIO_F1_VERSION_1);
  vw(VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK);
  if (!(vr(VIO_STATUS) & VIO_S_FEATURES_OK)) return 0;
  if (vq_setup(&rxq, 0) || vq_setup(&txq, 1)) return 0;
  for (uint32_t i = 0; i < 6; i++) net_mac[i] = mmio_read8(vbase + VIO_CONFIG + i);
  for (uint16_t i = 0; i < QSIZE; i++) {
    rxq.r->desc[i].addr_lo = (uint32_t)rxq.buf[i];
    rxq.r->desc[i].len = BUFSZ;
    rxq.r->desc[i].flags = VIO_D_WRITE;
    vq_publish(&rxq, i);
  }
  rx_irq(0);
  if (!event_idx) txq.r->avail.flags = VIO_AVAIL_F_NO_INTERRUPT; /* transmit completions are polled */
  vw(VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK | VIO_S_DRIVER_OK);
  vq_kick(&rxq, 0);
  plic_enable(virq);
  return 1;
}

uint32_t net_irq(void) { return net_kind == NET_VIRTIO || net_kind == NET_FAILOVER ? virq : 0; }

static int vf_ready(void) {
  fence();
  return (vf_rx[vf_rx_next].flags & VF_DD) != 0;
}

/* the VF's receive interrupt on or off: plain stores into its page. Arming first claims a stale cause (frames
 * already taken); unmasking a cause that is pending again posts the interrupt at once. */
static void vf_irq(int on) {
  if (on == vf_armed) return;
  vf_armed = on;
  if (on) mmio_write32(VF_BASE + VF_IRQ_CAUSE, VF_IRQ_RX);
  mmio_write32(VF_BASE + VF_IRQ_MASK, on ? VF_IRQ_RX : 0);
}

int net_rx_arm(void) {
  int empty = 1;
  if (net_kind == NET_VIRTIO || net_kind == NET_FAILOVER) {
    rx_irq(1);
    empty = *(volatile uint16_t *)&rxq.r->used.idx == rxq.last_used;
  }
  if (vf_up) {
    vf_irq(1);
    if (vf_ready()) empty = 0;
  }
  return empty;
}

/* a supervisor external interrupt: the VF's posted one when its cause is pending (claimed by masking it, which
 * withdraws it; the process it wakes takes the frames), else 0 and the caller asks the PLIC */
int net_posted_intr(void) {
  if (!vf_up || !vf_armed || !(mmio_read32(VF_BASE + VF_IRQ_CAUSE) & VF_IRQ_RX)) return 0;
  vf_irq(0);
  proc_wake_net();
  return 1;
}

void net_intr(void) {
  uint32_t st = vr(VIO_INT_STATUS);
  if (st) vw(VIO_INT_ACK, st);
  rx_irq(0);
  proc_wake_net();
}

static int emulated_probe(void) {
  emu_rx = kalloc();
  emu_tx = kalloc();
  if (!emu_rx || !emu_tx) return 0;
  kvm_map_device(EMU_BASE, EMU_BASE + PAGE_SIZE);
  mmio_write32(EMU_BASE + EMU_CTRL, 1);
  mmio_write32(EMU_BASE + EMU_IRQ_MASK, 0);
  wb_mac_from_regs(mmio_read32(EMU_BASE + EMU_MAC_LO), mmio_read32(EMU_BASE + EMU_MAC_HI), net_mac);
  mmio_write32(EMU_BASE + EMU_RX_ADDR, (uint32_t)emu_rx);
  mmio_write32(EMU_BASE + EMU_RX_CAP, BUFSZ);
  return 1;
}

/* rings and buffers, once: a VF plugged again later reuses them */
static int vf_alloc(void) {
  if (vf_tx) return 1;
  uint8_t *ring = kalloc();
  vf_txbuf = kalloc();
  if (!ring || !vf_txbuf) return 0;
  vf_tx = (volatile struct vf_desc *)ring;
  vf_rx = vf_tx + QSIZE;
  for (uint32_t i = 0; i < QSIZE; i += 2) {
    uint8_t *page = kalloc();
    if (!page) return 0;
    vf_rxbuf[i] = page;
    vf_rxbuf[i + 1] = page + PAGE_SIZE / 2;
  }
  kvm_map_device(VF_BASE, VF_BASE + PAGE_SIZE);
  return 1;
}

/* program a freshly reset VF and enable it (interrupts masked until a process waits) */
static void vf_start(void) {
  for (uint32_t i = 0; i < QSIZE; i++) {
    vf_rx[i].addr = (uint32_t)vf_rxbuf[i];
    vf_rx[i].len = BUFSZ;
    vf_rx[i].flags = 0;
    vf_tx[i].flags = 0;
  }
  vf_tx_tail = vf_rx_next = 0;
  vf_armed = vf_releasing = 0;
  mmio_write32(VF_BASE + VF_TX_BASE, (uint32_t)vf_tx);
  mmio_write32(VF_BASE + VF_TX_SIZE, QSIZE);
  mmio_write32(VF_BASE + VF_RX_BASE, (uint32_t)vf_rx);
  mmio_write32(VF_BASE + VF_RX_SIZE, QSIZE);
  mmio_write32(VF_BASE + VF_IRQ_MASK, 0);
  mmio_write32(VF_BASE + VF_CTRL, 1);
  vf_rx_tail = QSIZE - 1;
  fence();
  mmio_write32(VF_BASE + VF_RX_TAIL, vf_rx_tail);
  vf_up = 1;
}

static int vf_probe(void) {
  if (!vf_alloc()) return 0;
  wb_mac_from_regs(mmio_read32(VF_BASE + VF_MAC_LO), mmio_read32(VF_BASE + VF_MAC_HI), net_mac);
  vf_start();
  return 1;
}

/* failover: the VF stops carrying traffic and goes back to the host (its ring is empty) */
static void vf_eject(void) {
  vf_irq(0);
  mmio_write32(VF_BASE + VF_CTRL, 0);
  vf_up = vf_releasing = 0;
  mmio_write32(SLOT_BASE + SLOT_CTRL, SLOT_EJECT);
  kputs("net: failover: vf released, on the virtio standby\n");
}

uint32_t net_slot_irq(void) { return net_kind == NET_FAILOVER ? SLOT_IRQ : 0; }

/* the failover pair's hot-plug slot: a release request (drain, then eject), a VF plugged in (start it: traffic
 * moves back to the primary), or a VF gone without a release (surprise removal: the standby carries on) */
void net_slot_intr(void) {
  uint32_t ev = mmio_read32(SLOT_BASE + SLOT_EVENT);
  mmio_write32(SLOT_BASE + SLOT_EVENT, ev);
  uint32_t st = mmio_read32(SLOT_BASE + SLOT_STATUS);
  if (vf_up && !(st & SLOT_PRESENT)) {
    vf_up = vf_armed = vf_releasing = 0;
    kputs("net: failover: vf removed, on the virtio standby\n");
  } else if (vf_up && (ev & SLOT_UNPLUG)) {
    vf_releasing = 1;
    if (!vf_ready()) vf_eject();
  } else if (!vf_up && (st & SLOT_PRESENT) && !(st & SLOT_UNPLUG) && vf_alloc()) {
    vf_start();
    kputs("net: failover: vf plugged, on the vf\n");
  }
  proc_wake_net();
}

static uint32_t vf_recv(uint8_t *buf, uint32_t cap) {
  volatile struct vf_desc *d = &vf_rx[vf_rx_next];
  fence();
  if (!(d->flags & VF_DD)) return 0;
  uint32_t len = d->len < cap ? d->len : cap;
  memcpy(buf, vf_rxbuf[vf_rx_next], len);
  vf_irq(0); /* frames are being taken: no interrupt wanted */
  d->len = BUFSZ;
  d->flags = 0;
  vf_rx_next = (vf_rx_next + 1) % QSIZE;
  vf_rx_tail = (vf_rx_tail + 1) % QSIZE;
  fence();
  mmio_write32(VF_BASE + VF_RX_TAIL, vf_rx_tail); /* a plain store into the VF's page */
  return len;
}

/* one frame at a time through one buffer: wait until the VF has sent it */
static int vf_send(const uint8_t *frame, uint32_t len) {
  uint32_t i = vf_tx_tail;
  memcpy(vf_txbuf, frame, len);
  vf_tx[i].addr = (uint32_t)vf_txbuf;
  vf_tx[i].addr_hi = 0;
  vf_tx[i].len = (uint16_t)len;
  vf_tx[i].flags = 0;
  vf_tx_tail = (i + 1) % QSIZE;
  fence();
  mmio_write32(VF_BASE + VF_TX_TAIL, vf_tx_tail);
  for (uint32_t spin = 0; spin < 10000000u; spin++) {
    fence();
    if (vf_tx[i].flags & VF_DD) return (int)len;
    if (mmio_read32(VF_BASE + VF_STATUS) == 0xffffffffu) return -ENODEV; /* surprise-removed: its page reads all ones */
  }
  return -EAGAIN;
}

int net_probe(void) {
  if (net_kind >= 0) return net_kind;
  char want[16];
  if (!cmdline_get(0, "net", want, sizeof want)) strlcpy(want, "auto", sizeof want);
  net_kind = NET_NONE;
  if ((strcmp(want, "virtio") == 0 || (strcmp(want, "auto") == 0 && boot_dtb)) && virtio_probe()) net_kind = NET_VIRTIO;
  else if (strcmp(want, "emulated") == 0 && emulated_probe()) net_kind = NET_EMULATED;
  else if (strcmp(want, "vf") == 0 && vf_probe()) net_kind = NET_VF;
  else if (strcmp(want, "failover") == 0 && virtio_probe()) {
    /* the standby is always there; the primary when the slot holds a VF (same MAC: the virtio one is kept) */
    net_kind = NET_FAILOVER;
    kvm_map_device(SLOT_BASE, SLOT_BASE + PAGE_SIZE);
    plic_enable(SLOT_IRQ);
    if ((mmio_read32(SLOT_BASE + SLOT_STATUS) & (SLOT_PRESENT | SLOT_UNPLUG)) == SLOT_PRESENT && vf_alloc()) vf_start();
  }
  return net_kind;
}

const uint8_t *net_macaddr(void) { return net_mac; }

static uint32_t virtio_recv(uint8_t *buf, uint32_t cap);

uint32_t net_recv(uint8_t *buf, uint32_t cap) {
  if (net_probe() == NET_EMULATED) {
    uint32_t len = mmio_read32(EMU_BASE + EMU_RX_LEN);
    if (!len) return 0;
    if (len > cap) len = cap;
    memcpy(buf, emu_rx, len);
    mmio_write32(EMU_BASE + EMU_RX_DONE, 1);
    return len;
  }
  if (net_kind == NET_VF) return vf_recv(buf, cap);
  if (net_kind == NET_FAILOVER) {
    /* the primary first; a released VF is drained, then ejected; the standby gets what the host sends it */
    uint32_t n = vf_up ? vf_recv(buf, cap) : 0;
    if (!n && vf_releasing) vf_eject();
    return n ? n : virtio_recv(buf, cap);
  }
  if (net_kind != NET_VIRTIO) return 0;
  return virtio_recv(buf, cap);
}

static uint32_t virtio_recv(uint8_t *buf, uint32_t cap) {
  fence();
  if (*(volatile uint16_t *)&rxq.r->used.idx == rxq.last_used) return 0;
  uint32_t id = rxq.r->used.ring[rxq.last_used % QSIZE].id, len = rxq.r->used.ring[rxq.last_used % QSIZE].len;
  rxq.last_used++;
  rx_irq(0);
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
  if (net_kind == NET_VF) return vf_send(frame, len);
  if (net_kind == NET_FAILOVER && vf_up && !vf_releasing) {
    int r = vf_send(frame, len);
    if (r != -ENODEV) return r;
    vf_up = vf_armed = 0; /* gone under our feet: the standby sends it */
  }
  if (net_kind != NET_VIRTIO && net_kind != NET_FAILOVER) return -ENODEV;
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
  /* wait until the device has taken the frame (the workbench's does so during the notify exit; QEMU's in a
   * bottom half a moment later), so a power-off right after the last answer does not lose it */
  for (uint32_t spin = 0; spin < 10000000u; spin++) {
    fence();
    if (*(volatile uint16_t *)&txq.r->used.idx == txq.next_avail) break;
  }
  return (int)len;
}
