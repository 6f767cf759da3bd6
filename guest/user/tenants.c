/* The isolation lab's tenants (issue 8): a victim that holds a secret and an attacker that fuzzes the system
 * calls it can reach and searches everything they return for the secret's marker "SECRET{...}". */
#include "ulib.h"

static uint32_t rng_state;

static uint32_t rng(void) {
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return rng_state = x;
}

/* finds "SECRET{...}" in buf; copies the token (NUL-terminated) into out */
static int find_secret(const uint8_t *buf, uint32_t len, char *out, uint32_t size) {
  static const char marker[] = "SECRET{";
  for (uint32_t i = 0; i + 7 < len; i++) {
    uint32_t k = 0;
    while (k < 7 && buf[i + k] == (uint8_t)marker[k]) k++;
    if (k < 7) continue;
    for (uint32_t j = i + 7; j < len && j - i + 1 < size; j++) {
      if (buf[j] == '}') {
        for (uint32_t c = 0; c <= j - i; c++) out[c] = (char)buf[i + c];
        out[j - i + 1] = 0;
        return 1;
      }
      if (buf[j] < 32 || buf[j] > 126) break;
    }
  }
  return 0;
}

int32_t prog_victim(uint32_t hold_ms) {
  char secret[80];
  int32_t n = sys_call(SYS_fs_read, (uint32_t) "secret", (uint32_t)secret, sizeof secret - 1);
  if (n <= 0) {
    uprintf("victim: no secret file (%d)\n", n);
    return 1;
  }
  uprintf("victim: pid %d in its container, holding a %d-byte secret\n", sys_getpid(), n);
  if (hold_ms) sys_sleep_ms(hold_ms);
  else
    for (;;) sys_sleep_ms(1000); /* hold it forever (the two-VM configuration) */
  return 0;
}

static const char *const names[] = {"secret", "passwd", "notes", "log"};


/* Reads the register window of device page n (each read is a device access: an exit under a VMM): the UART's 8
 * byte-wide registers, or a virtio-mmio slot's 0x200 bytes of 32-bit registers and config space (the windows QEMU
 * decodes; outside them its bus raises access faults). Returns the number of bytes read. */
static uint32_t read_device_page(uint32_t n, uint8_t *out) {
  if (n == 0) {
    volatile uint8_t *uart = (volatile uint8_t *)USER_DEVICE;
    for (uint32_t i = 0; i < 8; i++) out[i] = uart[i];
    return 8;
  }
  volatile uint32_t *regs = (volatile uint32_t *)(USER_DEVICE + n * 4096);
  for (uint32_t i = 0; i < 0x200 / 4; i++) {
    uint32_t w = regs[i];
    for (uint32_t b = 0; b < 4; b++) out[i * 4 + b] = (uint8_t)(w >> (8 * b));
  }
  return 0x200;
}

/* devices = how many device pages the kernel mapped (0, 1: the UART, 9: the UART and the 8 virtio-mmio slots).
 * With devices, every 16th try reads one device's registers instead of making a system call: a VMM whose
 * device model does not check a register offset could answer with memory that is not the device's. */
int32_t prog_attacker(uint32_t seed, uint32_t tries, uint32_t devices) {
  static uint8_t buf[1280];
  static const uint32_t targets[] = {SYS_getpid, SYS_sched_yield, SYS_time,    SYS_fs_read,
                                     SYS_fs_write, SYS_klog_read, SYS_netinfo};
  static const uint32_t ntargets = sizeof targets / sizeof targets[0];
  uint32_t reached[sizeof targets / sizeof targets[0]] = {0};
  uint32_t denied = 0, unknown = 0, pages_read = 0;
  char found[80];
  rng_state = seed ? seed : 1;
  for (uint32_t t = 1; t <= tries; t++) {
    if (devices && t % 16 == 0) {
      uint32_t page = rng() % devices;
      uint32_t n = read_device_page(page, buf);
      pages_read++;
      if (find_secret(buf, n, found, sizeof found)) {
        uprintf("attacker: found %s after %u tries (device page %p)\n", found, t, USER_DEVICE + page * 4096);
        return 0;
      }
      continue;
    }
    uint32_t pick = rng() % (ntargets + 2), nr, slot = ntargets;
    int32_t r;
    if (pick < ntargets) {
      slot = pick;
      nr = targets[pick];
    } else {
      nr = rng() % 1100; /* an arbitrary number: most are not system calls at all */
      for (uint32_t i = 0; i < ntargets; i++)
        if (targets[i] == nr) slot = i;
      if (slot == ntargets && (nr == SYS_exit || nr == SYS_write || nr == SYS_sleep_ms || nr == SYS_sleep_until))
        nr = SYS_getpid; /* never end or stall the attack by accident */
    }
    if (nr == SYS_klog_read) r = sys_call(nr, (uint32_t)buf, rng() % 640, rng() % 1280);
    else if (nr == SYS_fs_read) r = sys_call(nr, (uint32_t)names[rng() % 4], (uint32_t)buf, sizeof buf);
    else if (nr == SYS_fs_write) r = sys_call(nr, (uint32_t) "notes", (uint32_t) "attacker notes", 14);
    else r = sys_call(nr, rng(), rng(), rng());
    if (r == -EPERM) denied++;
    else if (r == -ENOSYS) unknown++;
    else if (slot < ntargets) reached[slot] = 1;
    if ((nr == SYS_klog_read || nr == SYS_fs_read) && r > 0 && find_secret(buf, (uint32_t)r, found, sizeof found)) {
      uprintf("attacker: found %s after %u tries (system call %u)\n", found, t, nr);
      return 0;
    }
  }
  uint32_t reachable = 0;
  for (uint32_t i = 0; i < ntargets; i++) reachable += reached[i];
  uprintf("attacker: no secret after %u tries; %u of %u entry points reachable, %u calls denied, %u unknown, %u "
          "device pages read\n",
          tries, reachable, ntargets, denied, unknown, pages_read);
  return 0;
}
