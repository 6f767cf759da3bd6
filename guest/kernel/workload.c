/* Workloads: what `workload=`/`autorun=` on the command line and `run NAME` in the shell start.
 * Parameters come from the shell's extra words first, then the command line (e.g. dirty.pages=256). */
#include "kernel.h"
#include "abi.h"
#include "gstring.h"
#include "fmt.h"

#define HEAP_RESERVE_PAGES 64 /* kept free for page tables and the other processes */

static int run_selftest(const char *extra) {
  (void)extra;
  static const struct spawn_req reqs[4] = {
      {.name = "primes", .prog = PROG_PRIMES, .args = {30000}},
      {.name = "collatz", .prog = PROG_COLLATZ, .args = {20000}},
      {.name = "crc32", .prog = PROG_CRC32, .args = {65536}},
      {.name = "sort", .prog = PROG_SORT, .args = {2048}},
  };
  kprintf("selftest: starting 4 processes (round-robin, timer-preempted, one address space each)\n");
  int failed = run_job(reqs, 4);
  kprintf("selftest: 4 processes finished, %d failed\n", failed);
  return failed;
}

static int run_cpu(const char *extra) {
  struct spawn_req r = {.name = "cpu", .prog = PROG_CPU, .args = {cmdline_u32(extra, "cpu.iters", 1000000)}};
  return run_job(&r, 1);
}

static int run_dirty(const char *extra) {
  uint32_t pages = cmdline_u32(extra, "dirty.pages", 256);
  uint32_t rate = cmdline_u32(extra, "dirty.rate", 1000);
  uint32_t passes = cmdline_u32(extra, "dirty.passes", 0);
  uint32_t words = cmdline_u32(extra, "dirty.words", 1);
  uint32_t spin = cmdline_u32(extra, "dirty.spin", 0);
  uint32_t avail = kalloc_free_pages();
  avail = avail > HEAP_RESERVE_PAGES ? avail - HEAP_RESERVE_PAGES : 0;
  if (pages == 0 || pages > avail || pages > (0x80000000u - USER_HEAP) / PAGE_SIZE) {
    kprintf("dirty: a working set of %u pages does not fit (1..%u pages; raise mem=)\n", pages, avail);
    return 1;
  }
  struct spawn_req r = {.name = "dirty", .prog = PROG_DIRTY, .args = {pages, rate, passes, (words & ~DIRTY_SPIN) | (spin ? DIRTY_SPIN : 0)}, .heap_pages = pages};
  return run_job(&r, 1);
}

static int run_io(const char *extra) {
  struct spawn_req r = {.name = "io", .prog = PROG_IO, .args = {cmdline_u32(extra, "io.count", 100000)}, .map_devices = MAP_UART};
  return run_job(&r, 1);
}

static int run_web(const char *extra) {
  struct spawn_req r = {.name = "web", .prog = PROG_WEB, .args = {cmdline_u32(extra, "web.requests", 0)}};
  return run_job(&r, 1);
}

static int run_fault(const char *extra) {
  struct spawn_req r = {.name = "fault", .prog = PROG_FAULT, .args = {cmdline_u32(extra, "fault.addr", (uint32_t)boot_cmdline)}};
  return run_job(&r, 1);
}

/* The isolation lab's tenants: the victim (container 2) holds the secret from secret= in its file "secret"; the
 * attacker (container 1) fuzzes the system calls it can reach. tenants = both as containers on this kernel (with
 * tenants.filter=1: both under the allow list); victim / attacker = one tenant each, for the two-VM setup. */
#define CTR_ATTACKER 1
#define CTR_VICTIM 2

static int plant_secret(const char *extra) {
  char secret[48], text[64];
  if (!cmdline_get(extra, "secret", secret, sizeof secret)) strlcpy(secret, "0123456789abcdef", sizeof secret);
  uint32_t n = fmt_snprintf(text, sizeof text, "SECRET{%s}", secret);
  return ctr_fs_write(CTR_VICTIM, "secret", text, n) < 0;
}

static void tenant_reqs(const char *extra, struct spawn_req *victim, struct spawn_req *attacker) {
  uint32_t filter = cmdline_u32(extra, "tenants.filter", 0);
  flaw_klog = cmdline_u32(extra, "flaw.klog", 0);
  struct spawn_req v = {.name = "victim", .prog = PROG_VICTIM, .args = {cmdline_u32(extra, "victim.ms", 50)},
                        .ctr = CTR_VICTIM, .filtered = filter};
  /* attack.devices=1: the UART's registers; 2: also the 8 virtio-mmio slots (QEMU always decodes them; a VMM may
   * treat an empty slot as wild MMIO) */
  uint32_t level = cmdline_u32(extra, "attack.devices", 0);
  uint32_t devices = level == 0 ? 0 : level == 1 ? MAP_UART : MAP_UART | MAP_VIRTIO;
  struct spawn_req a = {.name = "attacker", .prog = PROG_ATTACKER,
                        .args = {cmdline_u32(extra, "attack.seed", 1), cmdline_u32(extra, "attack.tries", 1000),
                                 level > 1 ? 9 : level},
                        .ctr = CTR_ATTACKER, .filtered = filter, .map_devices = devices};
  *victim = v;
  *attacker = a;
}

static int run_tenants(const char *extra) {
  struct spawn_req reqs[2];
  tenant_reqs(extra, &reqs[0], &reqs[1]);
  if (plant_secret(extra)) return 1;
  return run_job(reqs, 2);
}

static int run_victim(const char *extra) {
  struct spawn_req reqs[2];
  tenant_reqs(extra, &reqs[0], &reqs[1]);
  if (plant_secret(extra)) return 1;
  return run_job(&reqs[0], 1);
}

static int run_attacker(const char *extra) {
  struct spawn_req reqs[2];
  tenant_reqs(extra, &reqs[0], &reqs[1]);
  return run_job(&reqs[1], 1);
}

static const struct {
  const char *name;
  int (*run)(const char *extra);
  const char *help;
} workloads[] = {
    {"selftest", run_selftest, "4 compute processes (primes, collatz, crc32, sort)"},
    {"cpu", run_cpu, "compute loop, prints a checksum (cpu.iters=N)"},
    {"dirty", run_dirty, "writes W pages at R pages/s (dirty.pages=W dirty.rate=R dirty.passes=P dirty.words=K dirty.spin=1)"},
    {"io", run_io, "N writes to the UART scratch register (io.count=N)"},
    {"web", run_web, "answers requests on the network device (web.requests=N, 0 = forever; net=)"},
    {"fault", run_fault, "touches kernel memory from user mode and gets killed (fault.addr=A)"},
    {"tenants", run_tenants, "victim + attacker containers on this kernel (secret= flaw.klog= tenants.filter=)"},
    {"victim", run_victim, "the victim tenant alone (secret= victim.ms=, 0 = forever)"},
    {"attacker", run_attacker, "the attacker tenant alone (attack.seed= attack.tries= attack.devices= flaw.klog=)"},
};

#define NWORKLOADS (sizeof workloads / sizeof workloads[0])

/* timing=1 on the command line adds one line per workload with timing-dependent figures (virtual time, ticks,
 * context switches, timer preemptions). Off by default: the normal output must not depend on timing. */
static int run_timed(int (*run)(const char *), const char *name, const char *extra) {
  if (!cmdline_u32(extra, "timing", 0)) return run(extra);
  uint64_t t0 = read_time();
  uint32_t ticks0 = ticks, switches0 = context_switches, preempt0 = preemptions;
  int r = run(extra);
  uint32_t us = (uint32_t)((read_time() - t0) / (TIMEBASE_HZ / 1000000));
  kprintf("timing: %s took %u us of virtual time, %u ticks, %u context switches, %u preemptions\n", name, us,
          ticks - ticks0, context_switches - switches0, preemptions - preempt0);
  return r;
}

int workload_run(const char *name, const char *extra) {
  for (uint32_t i = 0; i < NWORKLOADS; i++)
    if (strcmp(name, workloads[i].name) == 0) return run_timed(workloads[i].run, name, extra);
  kprintf("unknown workload '%s' (try: selftest cpu dirty io web fault tenants victim attacker)\n", name);
  return -1;
}

void workload_list(void) {
  for (uint32_t i = 0; i < NWORKLOADS; i++) kprintf("  %-9s %s\n", workloads[i].name, workloads[i].help);
}
