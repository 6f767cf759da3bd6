/* The virtio-net driver's end-to-end check: ask "who has 10.0.2.2" ROUNDS times and print the answers. On QEMU
 * (-netdev user) slirp's virtual gateway answers; on the workbench the host switch's gateway endpoint does. More
 * rounds than queue entries, so both rings wrap. */
#include "io.h"
#include "virtio_net.h"

#define ROUNDS 40

static const uint8_t my_ip[4] = {10, 0, 2, 15};
static const uint8_t gw_ip[4] = {10, 0, 2, 2};

static void put_mac(const uint8_t *m) {
  for (int i = 0; i < 6; i++) {
    if (i) io_putc(':');
    io_puthex(m[i], 2);
  }
}

static uint32_t build_arp_request(const struct vnet *n, uint8_t *f) {
  io_memset(f, 0, 60);
  io_memset(f, 0xff, 6);
  io_memcpy(f + 6, n->mac, 6);
  f[12] = 0x08; f[13] = 0x06;           /* ARP */
  f[14] = 0; f[15] = 1;                 /* Ethernet */
  f[16] = 0x08; f[17] = 0x00;           /* IPv4 */
  f[18] = 6; f[19] = 4;
  f[20] = 0; f[21] = 1;                 /* request */
  io_memcpy(f + 22, n->mac, 6);
  io_memcpy(f + 28, my_ip, 4);
  io_memcpy(f + 38, gw_ip, 4);
  return 60;
}

static int is_arp_reply_from_gw(const uint8_t *f, uint32_t len) {
  if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[21] != 2) return 0;
  for (int i = 0; i < 4; i++) if (f[28 + i] != gw_ip[i]) return 0;
  return 1;
}

static uint8_t frame[VNET_BUF];

int main(void) {
  struct vnet n;
  io_puts("iolab virtio-net: probing\n");
  int rc = vnet_init(&n);
  n.ack_rx = 1;
  if (rc) {
    io_puts("init failed at step ");
    io_putdec((uint32_t)-rc);
    io_putc('\n');
    return 2;
  }
  io_puts("slot ");
  io_putdec((uint32_t)n.slot);
  io_puts(" features ok event_idx=");
  io_putdec((uint32_t)n.event_idx);
  io_puts(" mac ");
  put_mac(n.mac);
  io_putc('\n');
  uint32_t replies = 0;
  uint8_t gw_mac[6] = {0};
  for (int round = 0; round < ROUNDS; round++) {
    uint32_t len = build_arp_request(&n, frame);
    if (vnet_send(&n, frame, len)) {
      io_puts("tx timeout\n");
      return 3;
    }
    int got = 0;
    for (uint32_t spin = 0; spin < 20000000u && !got; spin++) {
      uint32_t r = vnet_recv(&n, frame, sizeof frame);
      if (r && is_arp_reply_from_gw(frame, r)) {
        io_memcpy(gw_mac, frame + 22, 6);
        got = 1;
      }
    }
    if (!got) {
      io_puts("no reply in round ");
      io_putdec((uint32_t)round);
      io_putc('\n');
      return 4;
    }
    replies++;
  }
  io_puts("10.0.2.2 is-at ");
  put_mac(gw_mac);
  io_puts("\nreplies ");
  io_putdec(replies);
  io_puts(" tx ");
  io_putdec(n.tx_frames);
  io_puts(" rx ");
  io_putdec(n.rx_frames);
  io_puts("\nPASS\n");
  return 0;
}
