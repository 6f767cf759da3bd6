/* System calls (numbers in abi.h). Returns 1 when the caller gives up the CPU, 0 to resume it at once. */
#include "kernel.h"
#include "abi.h"

#define A(n) p->tf.x[10 + (n) - 1]

static int sys_write(struct proc *p) {
  uint32_t fd = A(0), va = A(1), len = A(2);
  if (fd != 1 && fd != 2) {
    A(0) = (uint32_t)-EBADF;
    return 0;
  }
  char chunk[64];
  uint32_t done = 0;
  while (done < len) {
    uint32_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
    if (copy_from_user((pte_t *)p->pagetable, chunk, va + done, n)) {
      A(0) = (uint32_t)-EFAULT;
      return 0;
    }
    proc_write(p, chunk, n);
    done += n;
  }
  A(0) = len;
  return 0;
}

int do_syscall(struct proc *p) {
  uint32_t nr = p->tf.x[17 - 1];
  p->syscalls++;
  switch (nr) {
  case SYS_write:
    return sys_write(p);
  case SYS_exit:
    proc_exit(p, (int32_t)A(0));
    return 1;
  case SYS_getpid:
    A(0) = p->pid;
    return 0;
  case SYS_sched_yield:
    A(0) = 0;
    return 1;
  case SYS_sleep_ms:
    proc_sleep_until(p, read_time() + (uint64_t)A(0) * (TIMEBASE_HZ / 1000));
    A(0) = 0;
    return 1;
  case SYS_sleep_until:
    proc_sleep_until(p, ((uint64_t)A(1) << 32) | A(0));
    A(0) = 0;
    return 1;
  case SYS_time: {
    uint64_t t = read_time();
    A(0) = (uint32_t)t;
    A(1) = (uint32_t)(t >> 32);
    return 0;
  }
  case SYS_netinfo:
    A(0) = (uint32_t)-ENODEV;
    return 0;
  default:
    A(0) = (uint32_t)-ENOSYS;
    return 0;
  }
}
