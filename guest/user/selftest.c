/* The boot self-test: four compute processes run together, preempted by the timer. Each prints one result
 * line; the kernel buffers their output and prints it in pid order, so the text never depends on timing. */
#include "ulib.h"

int32_t prog_primes(uint32_t limit) {
  uint32_t count = limit > 2 ? 1 : 0; /* 2 */
  for (uint32_t n = 3; n < limit; n += 2) {
    uint32_t prime = 1;
    for (uint32_t d = 3; d * d <= n; d += 2)
      if (n % d == 0) {
        prime = 0;
        break;
      }
    count += prime;
    if (n % 4096 == 1) sys_yield();
  }
  uprintf("[%d] primes: %u primes below %u\n", sys_getpid(), count, limit);
  return 0;
}

int32_t prog_collatz(uint32_t limit) {
  uint32_t best = 1, best_steps = 0;
  for (uint32_t start = 1; start < limit; start++) {
    uint32_t x = start, steps = 0;
    while (x != 1) {
      x = (x & 1) ? 3 * x + 1 : x >> 1;
      steps++;
    }
    if (steps > best_steps) {
      best_steps = steps;
      best = start;
    }
    if (start == limit / 2) sys_sleep_ms(10);
  }
  uprintf("[%d] collatz: longest chain below %u starts at %u (%u steps)\n", sys_getpid(), limit, best, best_steps);
  return 0;
}

/* CRC-32 (IEEE, reflected, poly 0xEDB88320) over bytes from the LCG x = x * 1103515245 + 12345, byte = x >> 16 */
int32_t prog_crc32(uint32_t bytes) {
  uint32_t crc = 0xffffffffu, x = 1;
  for (uint32_t i = 0; i < bytes; i++) {
    x = x * 1103515245u + 12345u;
    crc ^= (x >> 16) & 0xffu;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    if ((i & 0x3fff) == 0x3fff) sys_yield();
  }
  uprintf("[%d] crc32: 0x%08x over %u bytes\n", sys_getpid(), crc ^ 0xffffffffu, bytes);
  return 0;
}

#define SORT_MAX 2048
static uint32_t sort_buf[SORT_MAX];

static void sift_down(uint32_t *a, uint32_t root, uint32_t end) {
  while (2 * root + 1 < end) {
    uint32_t child = 2 * root + 1;
    if (child + 1 < end && a[child] < a[child + 1]) child++;
    if (a[root] >= a[child]) return;
    uint32_t t = a[root];
    a[root] = a[child];
    a[child] = t;
    root = child;
  }
}

/* heap sort of xorshift32 values (seed 2463534242); checksum = sum of a[i] * (i + 1) mod 2^32 */
int32_t prog_sort(uint32_t count) {
  if (count > SORT_MAX) count = SORT_MAX;
  uint32_t *a = sort_buf, x = 2463534242u;
  for (uint32_t i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    a[i] = x;
  }
  for (uint32_t i = count / 2; i-- > 0;) sift_down(a, i, count);
  for (uint32_t end = count; end > 1; end--) {
    uint32_t t = a[0];
    a[0] = a[end - 1];
    a[end - 1] = t;
    sift_down(a, 0, end - 1);
    if ((end & 511) == 0) sys_yield();
  }
  uint32_t sum = 0, ok = 1;
  for (uint32_t i = 0; i < count; i++) {
    sum += a[i] * (i + 1);
    if (i && a[i - 1] > a[i]) ok = 0;
  }
  uprintf("[%d] sort: %u values %s, checksum 0x%08x\n", sys_getpid(), count, ok ? "sorted" : "NOT SORTED", sum);
  return ok ? 0 : 1;
}
