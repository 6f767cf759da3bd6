/* Kernel-internal interfaces (one small kernel, one header). */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

#include <stdint.h>
#include "riscv.h"
#include "platform.h"

#define NPROC 8
#define HZ_DEFAULT 100
#define OUTBUF_SIZE 1024
#define CMDLINE_SIZE 256

/* console.c */
void kputc(char c);
void kputs(const char *s);
void kprintf(const char *fmt, ...);
void panic(const char *fmt, ...) __attribute__((noreturn));

/* sbi.c */
void sbi_putchar(char c);
void sbi_set_timer(uint64_t when);
void sbi_poweroff(uint32_t failure) __attribute__((noreturn));

/* uart.c: input ring fed by the UART (interrupt or tick polling) */
void uart_init(void);
void uart_poll(void);
int uart_getc(void); /* -1 if nothing is buffered */

/* plic.c */
void plic_init(void);
void plic_handle(void);
void plic_enable(uint32_t irq); /* route one more source to the S-mode context */

/* time */
uint64_t read_time(void);

/* kalloc.c */
void kalloc_init(uint32_t start, uint32_t end);
void *kalloc(void); /* one zeroed page, or 0 */
void kfree(void *page);
uint32_t kalloc_free_pages(void);
uint32_t kalloc_total_pages(void);

/* vm.c */
typedef uint32_t pte_t;
extern pte_t *kernel_root;
void kvm_init(uint32_t mem_end);
uint32_t kvm_satp(void);
void kvm_map_device(uint32_t start, uint32_t end); /* RW in every address space (shared level-0 table) */
pte_t *uvm_create(void);
int uvm_map(pte_t *root, uint32_t va, uint32_t pa, uint32_t flags);
int uvm_alloc(pte_t *root, uint32_t va, uint32_t pages, uint32_t flags);
void uvm_free(pte_t *root);
uint32_t uvm_pages(pte_t *root);
pte_t *uvm_walk(pte_t *root, uint32_t va);
int uvm_fix_ad(pte_t *root, uint32_t va, uint32_t cause);
int copy_from_user(pte_t *root, void *dst, uint32_t va, uint32_t len);
int copy_to_user(pte_t *root, uint32_t va, const void *src, uint32_t len);
uint32_t satp_for(pte_t *root);

/* proc.c */
enum proc_state { P_UNUSED = 0, P_RUNNABLE = 1, P_RUNNING = 2, P_SLEEPING = 3, P_ZOMBIE = 4 };

struct trapframe {
  uint32_t pc;     /* x0 slot holds the user pc (sepc) */
  uint32_t x[31];  /* x1..x31 */
};

/* Layout documented in docs/guest.md (introspection reads it through the proc_table symbol). */
struct proc {
  uint32_t pid;         /* 0x00 */
  uint32_t state;       /* 0x04 enum proc_state */
  char name[16];        /* 0x08 NUL-terminated */
  uint32_t pc;          /* 0x18 user pc at the last trap */
  uint32_t pagetable;   /* 0x1c physical address of the root page table */
  uint32_t satp;        /* 0x20 */
  int32_t exit_code;    /* 0x24 valid in P_ZOMBIE */
  uint32_t ticks;       /* 0x28 timer ticks spent running */
  uint32_t syscalls;    /* 0x2c system calls made */
  uint32_t wake_lo;     /* 0x30 sleep deadline (mtime) */
  uint32_t wake_hi;     /* 0x34 */
  uint32_t user_pages;  /* 0x38 pages mapped for the process */
  uint32_t outlen;      /* 0x3c bytes in the buffered output */
  struct trapframe tf;  /* 0x40 .. 0xc0 */
  uint32_t ctr;         /* 0xc0 container id (0 = none: the host's own namespace) */
  uint32_t vpid;        /* 0xc4 pid inside the container (getpid); = pid when ctr is 0 */
  uint32_t filtered;    /* 0xc8 1: system calls limited to the container allow list */
  uint32_t reserved;    /* 0xcc */
};

extern struct proc proc_table[NPROC];
extern struct proc *current_proc;
extern uint32_t nr_procs;

#define MAP_UART 1u
#define MAP_VIRTIO 2u

struct spawn_req {
  const char *name;
  uint32_t prog;
  uint32_t args[4];   /* a1..a4 */
  uint32_t heap_pages; /* zeroed pages at USER_HEAP */
  uint32_t map_devices; /* MAP_UART: the UART page at USER_DEVICE; MAP_VIRTIO: the 8 virtio-mmio slots after it */
  uint32_t ctr;        /* container id, 0 = none */
  uint32_t filtered;   /* apply the system call allow list */
};

/* runs the processes to completion; returns how many failed (nonzero exit, killed, or could not start) */
int run_job(const struct spawn_req *reqs, uint32_t n);
extern uint32_t job_interrupted;
void proc_ps(void);
void proc_write(struct proc *p, const char *buf, uint32_t len);
void proc_exit(struct proc *p, int32_t code);
void proc_sleep_until(struct proc *p, uint64_t when);
#define WAKE_ON_NET (~0ull) /* a sleep deadline that never comes: woken by the network interrupt */
void proc_wake_net(void);

/* trap.c */
extern volatile uint32_t ticks;
extern volatile uint32_t interrupt_requested; /* ^C typed while a job runs */
extern uint32_t preemptions;
extern uint32_t context_switches;
void trap_init(void);
void timer_start(uint32_t hz);
void timer_stop(void);
void timer_resume(void);
extern uint32_t tick_hz;
void idle_wait(void); /* trap.S: interrupts on, wfi, interrupts off; handlers run in kernel_trap */
int handle_user_trap(struct proc *p); /* 0: resume p, 1: back to the scheduler */
void enter_user(struct trapframe *tf);

/* syscall.c */
int do_syscall(struct proc *p);

/* cmdline.c */
extern char boot_cmdline[CMDLINE_SIZE];
void cmdline_init(uint32_t dtb);
void cmdline_print(void);
/* looks KEY up in the extra "k=v k=v" string first (may be 0), then in the command line; copies the value */
int cmdline_get(const char *extra, const char *key, char *out, uint32_t size);
uint32_t cmdline_u32(const char *extra, const char *key, uint32_t fallback);

/* container.c: the filesystem view, the kernel log, the allow list */
#define KLOG_SIZE 512
void klog(const char *fmt, ...);
void klog_print(void);
int ctr_fs_write(uint32_t ctr, const char *name, const void *data, uint32_t len);
int ctr_fs_read(uint32_t ctr, const char *name, void *out, uint32_t size);
int ctr_klog_read(void *out, uint32_t off, uint32_t len); /* returns bytes or -EINVAL */
int ctr_syscall_allowed(uint32_t nr);
uint32_t ctr_next_vpid(uint32_t ctr);
extern uint32_t flaw_klog;

/* net.c: the network device (net=virtio|emulated|vf|failover|none|auto): virtio and the VF receive by interrupt
 * (the VF's is posted: no exit), the emulated NIC polls */
extern uint32_t boot_dtb;
int net_probe(void); /* NET_NONE / NET_VIRTIO / NET_EMULATED (abi.h); probes once */
const uint8_t *net_macaddr(void);
uint32_t net_recv(uint8_t *buf, uint32_t cap); /* frame length, 0 if none */
int net_send(const uint8_t *frame, uint32_t len);
int net_rx_arm(void);     /* ask for the receive interrupt; 1 if the rings are still empty (sleep), else 0 */
int net_posted_intr(void); /* the VF's posted interrupt, if it is the one pending: claim it, wake; else 0 */
uint32_t net_slot_irq(void); /* the failover pair's hot-plug slot's PLIC source, 0 if none */
void net_slot_intr(void);   /* its interrupt: a VF to release, or one plugged in */
uint32_t net_irq(void);   /* the PLIC source of the virtio NIC, 0 if none */
void net_intr(void);      /* its interrupt: acknowledge, quiet the ring again, wake the waiting process */
#define NET_BLOCK (-512)  /* sys_net: the caller sleeps until the network interrupt, then repeats the call */

/* workload.c */
int workload_run(const char *name, const char *extra);
void workload_list(void);

/* shell.c */
void shell_run(void) __attribute__((noreturn));

#endif
