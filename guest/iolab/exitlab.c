/* The I/O-exit lab workloads. Each computes N values (work_per_value rounds of an LCG + xorshift each) and hands
 * every value to the lab device:
 *   WORKLOAD_TRAP=1 (workload A): a store to the device's DATA register, a trapping MMIO access: one exit each.
 *   WORKLOAD_TRAP=0 (workload B): a store into a ring in directly mapped device pages (no exit); the VMM drains
 *                                 the ring on a 1 ms virtual timer.
 * START and END markers let the lab count exactly the exits in between. The lab may patch `values` and
 * `work_per_value` in guest memory before the run (they are ordinary .data words). */
#include "io.h"

#define LAB_BASE 0x10200000u
#define LAB_START (LAB_BASE + 0x00)
#define LAB_DATA (LAB_BASE + 0x04)
#define LAB_END (LAB_BASE + 0x08)
#define LAB_RESULT (LAB_BASE + 0x0c)
/* the directly mapped ring: 16 pages after the register page */
#define RING_BASE (LAB_BASE + 0x1000u)
#define RING_PROD (RING_BASE + 0x0)
#define RING_CONS (RING_BASE + 0x4)
#define RING_SLOTS ((0x10000u - 64u) / 4u)
#define RING_DATA (RING_BASE + 64u)

volatile uint32_t values = 1000000;
volatile uint32_t work_per_value = 40;

static uint32_t compute(uint32_t i, uint32_t rounds) {
  uint32_t x = i * 2654435761u + 1u;
  for (uint32_t k = 0; k < rounds; k++) {
    x = x * 1664525u + 1013904223u;
    x ^= x >> 13;
  }
  return x;
}

int main(void) {
  uint32_t n = values, rounds = work_per_value, sum = 0;
  mmio_w32(LAB_START, n);
#if WORKLOAD_TRAP
  for (uint32_t i = 0; i < n; i++) {
    uint32_t v = compute(i, rounds);
    sum += v;
    mmio_w32(LAB_DATA, v);
  }
#else
  volatile uint32_t *ring = (volatile uint32_t *)RING_DATA;
  volatile uint32_t *prod = (volatile uint32_t *)RING_PROD;
  volatile uint32_t *cons = (volatile uint32_t *)RING_CONS;
  uint32_t p = 0;
  *prod = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t v = compute(i, rounds);
    sum += v;
    while (p - *cons >= RING_SLOTS) {
      /* ring full: wait for the VMM's next poll */
    }
    ring[p % RING_SLOTS] = v;
    p++;
    mb();
    *prod = p;
  }
  while (*cons != p) {
    /* wait until the VMM has drained everything */
  }
#endif
  mmio_w32(LAB_END, sum);
  mmio_w32(LAB_RESULT, sum);
  return 0;
}
