/* Containers share this one kernel (issue 8's isolation lab): each process may belong to a container with its own
 * pid numbering (getpid returns the in-container pid), its own view of a tiny filesystem (files are found only in
 * the caller's container), and optionally a seccomp-like system call allow list.
 *
 * The kernel log and the file table sit next to each other in kernel memory. klog_read checks the offset but,
 * with flaw.klog=1 on the command line, not the length: a read that starts inside the log runs on into the file
 * table, where other containers' files live. That missing bounds check is the deliberate kernel flaw the
 * isolation lab switches on per trial. */
#include "kernel.h"
#include "abi.h"
#include "fmt.h"
#include "gstring.h"

#define NFILES 8
#define FILE_NAME 16
#define FILE_DATA 64
#define NCTR 8

struct file {
  uint32_t used;
  uint32_t ctr;
  char name[FILE_NAME];
  uint32_t len;
  uint8_t data[FILE_DATA];
};

/* one object on purpose: the log and the files are neighbours in memory */
static struct {
  char log[KLOG_SIZE];
  struct file files[NFILES];
} kstore;
static uint32_t klog_len;
static uint32_t vpids[NCTR];
uint32_t flaw_klog;

static void klog_sink(char c, void *ctx) {
  (void)ctx;
  if (klog_len < KLOG_SIZE) kstore.log[klog_len++] = c;
  else { /* full: keep the newest text, drop the oldest byte */
    memmove(kstore.log, kstore.log + 1, KLOG_SIZE - 1);
    kstore.log[KLOG_SIZE - 1] = c;
  }
}

void klog(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fmt_vformat(klog_sink, 0, fmt, ap);
  va_end(ap);
}

void klog_print(void) {
  for (uint32_t i = 0; i < klog_len; i++) kputc(kstore.log[i]);
}

uint32_t ctr_next_vpid(uint32_t ctr) { return ++vpids[ctr % NCTR]; }

static struct file *lookup(uint32_t ctr, const char *name) {
  for (uint32_t i = 0; i < NFILES; i++)
    if (kstore.files[i].used && kstore.files[i].ctr == ctr && strcmp(kstore.files[i].name, name) == 0)
      return &kstore.files[i];
  return 0;
}

int ctr_fs_write(uint32_t ctr, const char *name, const void *data, uint32_t len) {
  if (!*name || strlen(name) >= FILE_NAME || len > FILE_DATA) return -EINVAL;
  struct file *f = lookup(ctr, name);
  for (uint32_t i = 0; !f && i < NFILES; i++)
    if (!kstore.files[i].used) f = &kstore.files[i];
  if (!f) return -ENOSPC;
  f->used = 1;
  f->ctr = ctr;
  strlcpy(f->name, name, FILE_NAME);
  memcpy(f->data, data, len);
  f->len = len;
  return (int)len;
}

int ctr_fs_read(uint32_t ctr, const char *name, void *out, uint32_t size) {
  struct file *f = lookup(ctr, name);
  if (!f) return -ENOENT;
  uint32_t n = f->len < size ? f->len : size;
  memcpy(out, f->data, n);
  return (int)n;
}

int ctr_klog_read(void *out, uint32_t off, uint32_t len) {
  if (off >= KLOG_SIZE) return -EINVAL;
  if (!flaw_klog && len > KLOG_SIZE - off) len = KLOG_SIZE - off; /* the check flaw.klog=1 leaves out */
  if (len > sizeof kstore - off) len = sizeof kstore - off;        /* (never past the object itself) */
  memcpy(out, (const char *)&kstore + off, len);
  return (int)len;
}

/* the allow list for filtered processes: what an ordinary compute or service process needs */
int ctr_syscall_allowed(uint32_t nr) {
  switch (nr) {
  case SYS_write:
  case SYS_exit:
  case SYS_sched_yield:
  case SYS_getpid:
  case SYS_sleep_ms:
  case SYS_sleep_until:
  case SYS_time:
  case SYS_fs_read:
  case SYS_fs_write:
    return 1;
  default:
    return 0;
  }
}
