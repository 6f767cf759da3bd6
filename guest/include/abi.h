/* The kernel/user ABI: system call numbers, program ids, user address-space layout.
 * A system call: number in a7, arguments in a0..a5, `ecall`, result in a0 (a1 for the high word of 64-bit
 * results). Errors are negative Linux errno values. Numbers follow Linux/riscv where the meaning matches. */
#ifndef GUEST_ABI_H
#define GUEST_ABI_H

#define SYS_write 64        /* write(fd, buf, len) -> len | -EFAULT | -EBADF */
#define SYS_exit 93         /* exit(status) */
#define SYS_sched_yield 124 /* yield() -> 0 */
#define SYS_getpid 172      /* getpid() -> pid */
#define SYS_sleep_ms 1001   /* sleep_ms(ms) -> 0 (granularity: one timer tick) */
#define SYS_time 1002       /* time() -> mtime (a0 low, a1 high), 10 MHz virtual time */
#define SYS_sleep_until 1003 /* sleep_until(lo, hi): sleep until mtime >= hi:lo -> 0 */
#define SYS_netinfo 1004    /* netinfo(mac_out or 0) -> NET_VIRTIO (1) | NET_EMULATED (2) | NET_VF (3) | NET_FAILOVER (4), MAC copied out | -ENODEV */
/* the network device (numbers above the attacker's fuzzing range 0..1099, so its figures stay comparable) */
#define SYS_net_recv 1101   /* net_recv(buf, cap) -> frame length | 0 when nothing is waiting | -ENODEV | -EFAULT */
#define SYS_net_send 1102   /* net_send(frame, len) -> len | -ENODEV | -EINVAL | -EFAULT | -EAGAIN */
#define NET_NONE 0
#define NET_VIRTIO 1
#define NET_EMULATED 2
#define NET_VF 3 /* an SR-IOV virtual function (workbench) */
#define NET_FAILOVER 4 /* net_failover: a VF primary and a virtio-net standby with the same MAC (workbench) */
/* the container filesystem view: small files, visible only inside the caller's container */
#define SYS_fs_write 1010   /* fs_write(name, buf, len) -> len | -ENOSPC | -EFAULT | -EINVAL */
#define SYS_fs_read 1011    /* fs_read(name, buf, len) -> bytes | -ENOENT | -EFAULT */
#define SYS_klog_read 1012  /* klog_read(buf, offset, len) -> bytes of the kernel log | -EINVAL | -EFAULT */

#define EPERM 1
#define ENOENT 2
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ENOSYS 38

/* user programs, all in one user image; a process starts at USER_TEXT with a0 = program id, a1..a4 = arguments */
#define PROG_PRIMES 1
#define PROG_COLLATZ 2
#define PROG_CRC32 3
#define PROG_SORT 4
#define PROG_CPU 5
#define PROG_DIRTY 6
/* dirty's 4th argument: words per visit, | DIRTY_SPIN to busy-wait for the next slot instead of sleeping */
#define DIRTY_SPIN 0x80000000u
#define PROG_IO 7
#define PROG_WEB 8
#define PROG_FAULT 9
#define PROG_VICTIM 10
#define PROG_ATTACKER 11

/* user virtual address space (everything below 0x80000000 belongs to the process) */
#define USER_TEXT 0x00010000u
#define USER_STACK_TOP 0x00400000u
#define USER_STACK_PAGES 4u
#define USER_HEAP 0x40000000u   /* the dirty workload's working set (up to 1 GiB) */
#define USER_DEVICE 0x30000000u /* the io workload's mapping of the UART page */

#endif
