/* The workloads chosen at boot (workload=/autorun=) or from the shell (run NAME). */
#include "ulib.h"
#include "platform.h"

/* cpu: xorshift32 + FNV-style mixing; checksum printed at the end */
int32_t prog_cpu(uint32_t iters) {
  uint32_t x = 0x12345678u, acc = 0x811c9dc5u;
  for (uint32_t i = 0; i < iters; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    acc = (acc ^ x) * 0x01000193u + i;
  }
  uprintf("cpu: %u iterations, checksum 0x%08x\n", iters, acc);
  return 0;
}

/* about 2 µs of arithmetic between two looks at the clock (a system call each) */
static void spin_a_while(void) {
  uint32_t x = 1;
  for (uint32_t i = 0; i < 512; i++) {
    x = x * 1103515245u + 12345u;
    __asm__ volatile("" : "+r"(x));
  }
}

/* dirty: visits each of `pages` pages (the working set at USER_HEAP) `rate` times per second of virtual time
 * (0 = unthrottled), for `passes` passes over the set (0 = forever), writing `words` words per visit (1..1024;
 * 1024 rewrites the whole page, which costs CPU time per page: what makes auto-converge's throttling bite).
 * In pass n (from 1) page p gets, for k < words, the word at index (n - 1 + k) mod 1024 set to (n * 0x10001 ^ p) + k.
 * With DIRTY_SPIN set in `words` the dirtier waits for its next slot by polling the clock instead of sleeping: the
 * same writes at the same rate (on time: the sleeping dirtier wakes on the tick and catches up), but the vCPU
 * is busy all the time (as in QEMU's migration-test guest). */
int32_t prog_dirty(uint32_t pages, uint32_t rate, uint32_t passes, uint32_t words) {
  volatile uint32_t *heap = (volatile uint32_t *)USER_HEAP;
  uint32_t spin = (words & DIRTY_SPIN) != 0;
  words &= ~DIRTY_SPIN;
  if (words == 0 || words > 1024) words = 1024;
  uprintf("dirty: working set %u pages (%u KiB), rate %u pages/s, passes %u%s\n", pages, pages * 4, rate, passes,
          spin ? ", busy-waiting" : "");
  uint32_t step = rate ? TIMEBASE_HZ / rate : 0, step_rem = rate ? TIMEBASE_HZ % rate : 0, frac = 0;
  uint64_t due = sys_time();
  uint32_t sum = 0;
  for (uint32_t pass = 0; passes == 0 || pass < passes; pass++) {
    for (uint32_t p = 0; p < pages; p++) {
      if (rate) {
        if (spin) {
          while (sys_time() < due) spin_a_while();
        } else if (sys_time() < due) {
          sys_sleep_until(due);
        }
        due += step;
        frac += step_rem;
        if (frac >= rate) {
          frac -= rate;
          due++;
        }
      }
      uint32_t v = (pass + 1) * 0x10001u ^ p;
      volatile uint32_t *page = heap + p * 1024;
      for (uint32_t k = 0; k < words; k++) {
        page[(pass + k) & 1023] = v + k;
        sum += v + k;
      }
    }
    uprintf("dirty: pass %u done\n", pass + 1);
  }
  uprintf("dirty: done, checksum 0x%08x\n", sum);
  return 0;
}

/* io: `count` writes to the UART scratch register through the kernel-provided mapping of the UART page
 * (each one is a trapped device access under a VMM), then one read back */
int32_t prog_io(uint32_t count) {
  volatile uint8_t *uart = (volatile uint8_t *)USER_DEVICE;
  for (uint32_t i = 0; i < count; i++) uart[UART_SCR] = (uint8_t)(i ^ (i >> 8));
  uint32_t readback = uart[UART_SCR];
  uprintf("io: %u writes to the uart scratch register, readback 0x%02x\n", count, readback);
  return 0;
}

/* web: answers the workbench request protocol (docs/guest.md "web") on the network device: Ethernet frames to its MAC of
 * type 0x88b6 whose payload starts with op 1 (request) and a 32-bit request id; the answer goes back to the sender
 * with op 2, the same id and bytes, and the count of requests answered so far (including this one), so a client
 * can measure latency and see that every request is answered exactly once. requests = how many (0 = forever). */
#define WEB_ETHERTYPE 0x88b6
#define WEB_OP_REQUEST 1
#define WEB_OP_RESPONSE 2
#define WEB_MIN 26 /* 14-byte Ethernet header + op, 3 reserved, id, counter */

int32_t prog_web(uint32_t requests) {
  uint8_t frame[1514];
  uint8_t mac[6];
  int32_t kind = sys_netinfo(mac);
  if (kind == -ENODEV) {
    uprintf("web: network device not present yet, nothing to serve\n");
    return 0;
  }
  if (kind < 0) {
    uprintf("web: netinfo returned %d\n", kind);
    return 1;
  }
  uprintf("web: serving on %s %02x:%02x:%02x:%02x:%02x:%02x (ethertype 0x%04x), %u requests\n",
          kind == NET_VIRTIO ? "virtio-net" : kind == NET_VF ? "sr-iov vf" : kind == NET_FAILOVER ? "failover vf+virtio" : "emulated nic", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
          WEB_ETHERTYPE, requests);
  uint32_t answered = 0, ignored = 0, idle = 0;
  while (requests == 0 || answered < requests) {
    int32_t n = sys_net_recv(frame, sizeof frame); /* the kernel polls a little before it returns 0 */
    if (n <= 0) {
      if (n < 0) return 1;
      if (++idle % 16 == 0) sys_yield(); /* a process switch is dear under trap-and-emulate: not every time */
      continue;
    }
    /* a frame for another station (a switch floods unicast it has not learned yet; virtio-net is promiscuous) */
    int for_me = 1;
    for (int i = 0; i < 6; i++) for_me &= frame[i] == mac[i];
    if (n < WEB_MIN || !for_me || frame[12] != (WEB_ETHERTYPE >> 8) || frame[13] != (WEB_ETHERTYPE & 0xff) || frame[14] != WEB_OP_REQUEST) {
      ignored++;
      continue;
    }
    answered++;
    for (int i = 0; i < 6; i++) {
      frame[i] = frame[6 + i];
      frame[6 + i] = mac[i];
    }
    frame[14] = WEB_OP_RESPONSE;
    for (int i = 0; i < 4; i++) frame[22 + i] = (uint8_t)(answered >> (24 - 8 * i));
    if (sys_net_send(frame, (uint32_t)n) < 0) return 1;
  }
  uprintf("web: answered %u requests, ignored %u frames\n", answered, ignored);
  return 0;
}

/* fault: what the kernel does to a process that reaches for kernel memory. A write() from a kernel address is
 * refused with -EFAULT; a direct load faults (the page has no U bit) and the kernel kills the process. */
int32_t prog_fault(uint32_t kernel_addr) {
  int32_t r = sys_write((const void *)kernel_addr, 16);
  uprintf("fault: write() from kernel address %p returned %d\n", kernel_addr, r);
  uprintf("fault: now loading from %p directly\n", kernel_addr);
  uint32_t v = *(volatile uint32_t *)kernel_addr;
  uprintf("fault: read %p, the kernel did not stop me\n", v);
  return 0;
}
