#include "ulib.h"
#include "fmt.h"
#include "ecall.h"

static inline uint32_t syscall3(uint32_t n, uint32_t a0, uint32_t a1, uint32_t a2) {
  return ecall(n, 0, a0, a1, a2).a0;
}

int32_t sys_write(const void *buf, uint32_t len) { return (int32_t)syscall3(SYS_write, 1, (uint32_t)buf, len); }

void sys_exit(int32_t status) {
  syscall3(SYS_exit, (uint32_t)status, 0, 0);
  for (;;) {
  }
}

int32_t sys_getpid(void) { return (int32_t)syscall3(SYS_getpid, 0, 0, 0); }
void sys_yield(void) { syscall3(SYS_sched_yield, 0, 0, 0); }
void sys_sleep_ms(uint32_t ms) { syscall3(SYS_sleep_ms, ms, 0, 0); }
int32_t sys_call(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2) { return (int32_t)syscall3(nr, a0, a1, a2); }
int32_t sys_netinfo(uint8_t mac[6]) { return (int32_t)syscall3(SYS_netinfo, (uint32_t)mac, 0, 0); }
int32_t sys_net_recv(void *buf, uint32_t cap) { return (int32_t)syscall3(SYS_net_recv, (uint32_t)buf, cap, 0); }
int32_t sys_net_send(const void *frame, uint32_t len) { return (int32_t)syscall3(SYS_net_send, (uint32_t)frame, len, 0); }
void sys_sleep_until(uint64_t t) { syscall3(SYS_sleep_until, (uint32_t)t, (uint32_t)(t >> 32), 0); }

uint64_t sys_time(void) {
  struct ecall_ret r = ecall(SYS_time, 0, 0, 0, 0);
  return ((uint64_t)r.a1 << 32) | r.a0;
}

struct line {
  char buf[128];
  uint32_t len;
};

static void line_sink(char c, void *ctx) {
  struct line *l = ctx;
  l->buf[l->len++] = c;
  if (l->len == sizeof l->buf) {
    sys_write(l->buf, l->len);
    l->len = 0;
  }
}

void uprintf(const char *fmt, ...) {
  struct line l;
  l.len = 0;
  va_list ap;
  va_start(ap, fmt);
  fmt_vformat(line_sink, &l, fmt, ap);
  va_end(ap);
  if (l.len) sys_write(l.buf, l.len);
}

int32_t user_main(uint32_t prog, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4);

int32_t user_main(uint32_t prog, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4) {
  switch (prog) {
  case PROG_PRIMES: return prog_primes(a1);
  case PROG_COLLATZ: return prog_collatz(a1);
  case PROG_CRC32: return prog_crc32(a1);
  case PROG_SORT: return prog_sort(a1);
  case PROG_CPU: return prog_cpu(a1);
  case PROG_DIRTY: return prog_dirty(a1, a2, a3, a4);
  case PROG_IO: return prog_io(a1);
  case PROG_WEB: return prog_web(a1);
  case PROG_FAULT: return prog_fault(a1);
  case PROG_VICTIM: return prog_victim(a1);
  case PROG_ATTACKER: return prog_attacker(a1, a2, a3);
  default:
    uprintf("unknown program %u\n", prog);
    return 127;
  }
}
