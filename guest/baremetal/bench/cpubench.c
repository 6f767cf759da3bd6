/* CPU-bound benchmark guest: integer arithmetic, multiply/divide, loads/stores over a 16 KiB table and
 * data-dependent branches. Prints a checksum on UART0 and powers off (exit 0). `bench_iterations` lives in .data
 * so tests can shrink the run by patching it. */
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned char uint8_t;

#define UART0 ((volatile uint8_t *)0x10000000)
#define N 4096

volatile uint32_t bench_iterations = 10000;
static uint32_t table[N];

static void putc_(char c) {
  while ((UART0[5] & 0x20) == 0) {
  }
  UART0[0] = (uint8_t)c;
}

static void puts_(const char *s) {
  while (*s) putc_(*s++);
}

static void puthex(uint32_t v) {
  for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]);
}

int main(void) {
  uint32_t x = 0x12345678u, sum = 0;
  for (uint32_t i = 0; i < N; i++) table[i] = i * 2654435761u;
  uint32_t iters = bench_iterations;
  for (uint32_t it = 0; it < iters; it++) {
    for (uint32_t i = 0; i < N; i += 4) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      uint32_t j = x & (N - 1);
      uint32_t v = table[j] + table[i];
      if (v & 1) sum += v * 3u;
      else sum ^= v >> 3;
      if ((i & 63) == 0) sum += (v / ((x & 255) + 1)) + (uint32_t)((int32_t)v % 7);
      table[i] = v + sum;
    }
  }
  puts_("cpubench checksum ");
  puthex(sum);
  putc_('\n');
  return 0;
}
