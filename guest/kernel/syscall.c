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

/* a NUL-terminated name of at most 15 characters from user memory */
static int user_name(struct proc *p, uint32_t va, char name[16]) {
  for (uint32_t i = 0; i < 16; i++) {
    if (copy_from_user((pte_t *)p->pagetable, &name[i], va + i, 1)) return -EFAULT;
    if (!name[i]) return 0;
  }
  return -EINVAL;
}

/* fs_write / fs_read / klog_read: data moves through a kernel bounce buffer */
static int32_t sys_container_io(struct proc *p, uint32_t nr) {
  uint8_t buf[1280];
  char name[16];
  int32_t r;
  pte_t *root = (pte_t *)p->pagetable;
  if (nr == SYS_klog_read) {
    uint32_t len = A(2) < sizeof buf ? A(2) : sizeof buf;
    r = ctr_klog_read(buf, A(1), len);
    if (r > 0 && copy_to_user(root, A(0), buf, (uint32_t)r)) return -EFAULT;
    return r;
  }
  if ((r = user_name(p, A(0), name)) != 0) return r;
  if (nr == SYS_fs_write) {
    if (A(2) > 64) return -EINVAL;
    if (copy_from_user(root, buf, A(1), A(2))) return -EFAULT;
    return ctr_fs_write(p->ctr, name, buf, A(2));
  }
  r = ctr_fs_read(p->ctr, name, buf, A(2) < sizeof buf ? A(2) : sizeof buf);
  if (r > 0 && copy_to_user(root, A(1), buf, (uint32_t)r)) return -EFAULT;
  return r;
}

/* netinfo / net_recv / net_send: frames move through one kernel page (one hart, interrupts off in the kernel),
 * allocated with the device */
static int32_t sys_net(struct proc *p, uint32_t nr) {
  static uint8_t *frame;
  pte_t *root = (pte_t *)p->pagetable;
  int kind = net_probe();
  if (kind == NET_NONE) return -ENODEV;
  if (!frame && !(frame = kalloc())) return -ENOMEM;
  if (nr == SYS_netinfo) return A(0) && copy_to_user(root, A(0), net_macaddr(), 6) ? -EFAULT : kind;
  if (nr == SYS_net_send) {
    if (A(1) > 1514) return -EINVAL;
    if (copy_from_user(root, frame, A(0), A(1))) return -EFAULT;
    return net_send(frame, A(1));
  }
  uint32_t cap = A(1) < 1514 ? A(1) : 1514, n = 0;
  if (kind != NET_EMULATED) {
    /* nothing waiting: arm the receive interrupt and sleep until it comes (a frame that slipped in meanwhile is
     * taken at once) */
    n = net_recv(frame, cap);
    if (!n && net_rx_arm()) return NET_BLOCK;
    if (!n) n = net_recv(frame, cap);
  } else {
    /* the emulated NIC polls its registers a while (each read an exit) before reporting nothing */
    for (uint32_t spin = 0; spin < 2000 && !n; spin++) n = net_recv(frame, cap);
  }
  if (n && copy_to_user(root, A(0), frame, n)) return -EFAULT;
  return (int32_t)n;
}

int do_syscall(struct proc *p) {
  uint32_t nr = p->tf.x[17 - 1];
  p->syscalls++;
  if (p->filtered && !ctr_syscall_allowed(nr)) {
    A(0) = (uint32_t)-EPERM;
    return 0;
  }
  switch (nr) {
  case SYS_write:
    return sys_write(p);
  case SYS_exit:
    proc_exit(p, (int32_t)A(0));
    return 1;
  case SYS_getpid:
    A(0) = p->vpid;
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
  case SYS_fs_write:
  case SYS_fs_read:
  case SYS_klog_read:
    A(0) = (uint32_t)sys_container_io(p, nr);
    return 0;
  case SYS_netinfo:
  case SYS_net_recv:
  case SYS_net_send: {
    int32_t r = sys_net(p, nr);
    if (r == NET_BLOCK) {
      /* sleep; when the interrupt wakes the process, the ecall runs again with the same arguments */
      p->tf.pc -= 4;
      proc_sleep_until(p, WAKE_ON_NET);
      return 1;
    }
    A(0) = (uint32_t)r;
    return 0;
  }
  default:
    A(0) = (uint32_t)-ENOSYS;
    return 0;
  }
}
