/* The network lab workload, the same for every NIC path: phase 1 sends `packets` test frames to the external
 * endpoint as fast as the path allows; phase 2 sends `pings` frames one at a time and waits for each echo.
 * Markers on the lab device's START/END registers delimit the phases; results stay in .data for the lab. */
#include "io.h"
#include "nic.h"

#define LAB_START 0x10200000u
#define LAB_END 0x10200008u

volatile uint32_t packets = 2000;
volatile uint32_t pings = 100;
volatile uint32_t frame_size = 64;
volatile uint32_t result_tx_cycles;
volatile uint32_t result_rtt_sum, result_rtt_sum_hi, result_rtt_min = 0xffffffffu, result_rtt_max, result_pongs;

static const uint8_t endpoint_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};
static uint8_t mac[6];
static uint8_t frame[1536];
static uint8_t rx[1536];

static inline uint32_t rdcycle(void) {
  uint32_t v;
  __asm__ volatile("rdcycle %0" : "=r"(v));
  return v;
}
static inline uint32_t rdcycleh(void) {
  uint32_t v;
  __asm__ volatile("rdcycleh %0" : "=r"(v));
  return v;
}

/* Test frame: ethertype 0x88B5, seq (u32 BE), send time in cycles (48 bits BE), as network/frame.ts reads it. */
static uint32_t build(uint32_t seq) {
  uint32_t n = frame_size < 60 ? 60 : frame_size;
  uint32_t hi, lo;
  do {
    hi = rdcycleh();
    lo = rdcycle();
  } while (hi != rdcycleh());
  io_memcpy(frame, endpoint_mac, 6);
  io_memcpy(frame + 6, mac, 6);
  frame[12] = 0x88;
  frame[13] = 0xb5;
  frame[14] = (uint8_t)(seq >> 24); frame[15] = (uint8_t)(seq >> 16); frame[16] = (uint8_t)(seq >> 8); frame[17] = (uint8_t)seq;
  frame[18] = (uint8_t)(hi >> 8); frame[19] = (uint8_t)hi;
  frame[20] = (uint8_t)(lo >> 24); frame[21] = (uint8_t)(lo >> 16); frame[22] = (uint8_t)(lo >> 8); frame[23] = (uint8_t)lo;
  return n;
}

static int is_echo(uint32_t len, uint32_t seq) {
  return len >= 18 && rx[12] == 0x88 && rx[13] == 0xb5 &&
         (((uint32_t)rx[14] << 24) | ((uint32_t)rx[15] << 16) | ((uint32_t)rx[16] << 8) | rx[17]) == seq;
}

int main(void) {
  if (nic_init(mac)) return 2;
  uint32_t n = packets;

  mmio_w32(LAB_START, 1);
  uint32_t t0 = rdcycle(), sent = 0, done = 0;
  while (done < n) {
    while (sent < n && nic_tx_add(frame, build(sent)) == 0) sent++;
    nic_tx_kick();
    done += nic_tx_reap();
  }
  result_tx_cycles = rdcycle() - t0;
  mmio_w32(LAB_END, 1);

  mmio_w32(LAB_START, 2);
  for (uint32_t k = 0; k < pings; k++) {
    uint32_t t = rdcycle();
    while (nic_tx_add(frame, build(k)) != 0) nic_tx_reap();
    nic_tx_kick();
    for (uint32_t spin = 0; spin < 10000000u; spin++) {
      uint32_t len = nic_recv(rx, sizeof rx);
      if (len && is_echo(len, k)) {
        uint32_t rtt = rdcycle() - t;
        uint32_t before = result_rtt_sum;
        result_rtt_sum = before + rtt;
        if (result_rtt_sum < before) result_rtt_sum_hi++;
        if (rtt < result_rtt_min) result_rtt_min = rtt;
        if (rtt > result_rtt_max) result_rtt_max = rtt;
        result_pongs++;
        break;
      }
    }
    nic_tx_reap();
  }
  mmio_w32(LAB_END, 2);
  return 0;
}
