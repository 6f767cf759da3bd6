/* Processes and the round-robin scheduler.
 * A job is a set of processes started together (the boot self-test, or one workload). The kernel runs the job
 * until all of its processes have exited. With one process its output goes straight to the console; with several,
 * each process's output is buffered and printed in pid order when the job ends, so what the console shows never
 * depends on when timer interrupts happened to preempt whom. */
#include "kernel.h"
#include "abi.h"
#include "gstring.h"

struct proc proc_table[NPROC];
/* for introspection tools: check these before reading proc_table (layout in docs/guest.md) */
const uint32_t proc_table_len = NPROC;
const uint32_t proc_struct_size = sizeof(struct proc);
_Static_assert(sizeof(struct proc) == 0xd0, "struct proc layout is documented in docs/guest.md");
_Static_assert(__builtin_offsetof(struct proc, tf) == 0x40, "struct proc layout is documented in docs/guest.md");
struct proc *current_proc;
uint32_t nr_procs;
uint32_t next_pid = 1;
uint32_t context_switches;

static char outbuf[NPROC][OUTBUF_SIZE];
static uint32_t job_size;
uint32_t job_interrupted; /* the last job was stopped with ^C */

extern char user_image[], user_image_end[];

static const char *state_name(uint32_t s) {
  static const char *const names[] = {"unused", "runnable", "running", "sleeping", "zombie"};
  return s < 5 ? names[s] : "?";
}

/* device pages mapped into a process keep their physical offsets: UART at USER_DEVICE, virtio slot n at
 * USER_DEVICE + 0x1000 * (n + 1) */
static int map_devices(pte_t *root, uint32_t which) {
  if ((which & MAP_UART) && uvm_map(root, USER_DEVICE, UART0_BASE, PTE_R | PTE_W)) return -1;
  for (uint32_t n = 0; (which & MAP_VIRTIO) && n < 8; n++)
    if (uvm_map(root, USER_DEVICE + (VIRTIO_MMIO_BASE - UART0_BASE) + n * PAGE_SIZE, VIRTIO_MMIO_BASE + n * PAGE_SIZE,
                PTE_R | PTE_W))
      return -1;
  return 0;
}

static struct proc *spawn(const struct spawn_req *r) {
  struct proc *p = 0;
  for (uint32_t i = 0; i < NPROC; i++)
    if (proc_table[i].state == P_UNUSED) {
      p = &proc_table[i];
      break;
    }
  if (!p) return 0;
  pte_t *root = uvm_create();
  if (!root) return 0;
  uint32_t image = (uint32_t)(user_image_end - user_image);
  uint32_t image_pages = (image + PAGE_SIZE - 1) / PAGE_SIZE;
  int bad = uvm_alloc(root, USER_TEXT, image_pages, PTE_R | PTE_W | PTE_X) ||
            uvm_alloc(root, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE, USER_STACK_PAGES, PTE_R | PTE_W) ||
            (r->heap_pages && uvm_alloc(root, USER_HEAP, r->heap_pages, PTE_R | PTE_W)) ||
            map_devices(root, r->map_devices);
  if (bad) {
    uvm_free(root);
    return 0;
  }
  /* copy the user image in, page by page through the new mappings */
  for (uint32_t off = 0; off < image; off += PAGE_SIZE) {
    pte_t *pte = uvm_walk(root, USER_TEXT + off);
    uint32_t n = image - off < PAGE_SIZE ? image - off : PAGE_SIZE;
    memcpy((void *)((*pte >> 10) << 12), user_image + off, n);
  }
  memset(p, 0, sizeof *p);
  p->pid = next_pid++;
  strlcpy(p->name, r->name, sizeof p->name);
  p->pagetable = (uint32_t)root;
  p->satp = satp_for(root);
  p->user_pages = uvm_pages(root);
  p->tf.pc = USER_TEXT;
  p->pc = USER_TEXT;
  p->tf.x[2 - 1] = USER_STACK_TOP; /* sp */
  p->tf.x[10 - 1] = r->prog;       /* a0..a3 */
  p->tf.x[11 - 1] = r->args[0];
  p->tf.x[12 - 1] = r->args[1];
  p->tf.x[13 - 1] = r->args[2];
  p->tf.x[14 - 1] = r->args[3];
  p->ctr = r->ctr;
  p->vpid = r->ctr ? ctr_next_vpid(r->ctr) : p->pid;
  p->filtered = r->filtered;
  klog("spawn pid %u (%s) ctr %u vpid %u\n", p->pid, p->name, p->ctr, p->vpid);
  p->state = P_RUNNABLE;
  outbuf[p - proc_table][0] = 0;
  nr_procs++;
  return p;
}

void proc_write(struct proc *p, const char *buf, uint32_t len) {
  if (job_size <= 1) {
    for (uint32_t i = 0; i < len; i++) kputc(buf[i]);
    return;
  }
  char *out = outbuf[p - proc_table];
  for (uint32_t i = 0; i < len && p->outlen < OUTBUF_SIZE; i++) out[p->outlen++] = buf[i];
}

void proc_exit(struct proc *p, int32_t code) {
  /* leave the dying address space before freeing it */
  csr_write(satp, kvm_satp());
  sfence_vma();
  uvm_free((pte_t *)p->pagetable);
  p->exit_code = code;
  p->state = P_ZOMBIE;
  klog("exit pid %u status %d\n", p->pid, code);
  nr_procs--;
}

void proc_sleep_until(struct proc *p, uint64_t when) {
  p->wake_lo = (uint32_t)when;
  p->wake_hi = (uint32_t)(when >> 32);
  p->state = P_SLEEPING;
}

/* the network interrupt: every process waiting in net_recv runs again (and repeats its call) */
void proc_wake_net(void) {
  for (uint32_t i = 0; i < NPROC; i++) {
    struct proc *p = &proc_table[i];
    if (p->state == P_SLEEPING && p->wake_lo == (uint32_t)WAKE_ON_NET && p->wake_hi == (uint32_t)(WAKE_ON_NET >> 32)) p->state = P_RUNNABLE;
  }
}

static struct proc *pick_next(uint32_t *cursor) {
  for (uint32_t k = 1; k <= NPROC; k++) {
    uint32_t i = (*cursor + k) % NPROC;
    if (proc_table[i].state == P_RUNNABLE) {
      *cursor = i;
      return &proc_table[i];
    }
  }
  return 0;
}

static void run_until_idle(void) {
  uint32_t cursor = NPROC - 1;
  while (nr_procs) {
    if (interrupt_requested) {
      interrupt_requested = 0;
      job_interrupted = 1;
      kputs("^C\n");
      for (uint32_t i = 0; i < NPROC; i++)
        if (proc_table[i].state != P_UNUSED && proc_table[i].state != P_ZOMBIE) proc_exit(&proc_table[i], -2);
      break;
    }
    struct proc *p = pick_next(&cursor);
    if (!p) {
      idle_wait();
      continue;
    }
    current_proc = p;
    p->state = P_RUNNING;
    context_switches++;
    csr_write(satp, p->satp);
    sfence_vma();
    csr_clear(sstatus, SSTATUS_SPP);
    csr_set(sstatus, SSTATUS_SPIE);
    do {
      enter_user(&p->tf);
    } while (!handle_user_trap(p));
    if (p->state == P_RUNNING) p->state = P_RUNNABLE;
    current_proc = 0;
  }
  csr_write(satp, kvm_satp());
  sfence_vma();
}

int run_job(const struct spawn_req *reqs, uint32_t n) {
  /* reap the previous job's zombies */
  for (uint32_t i = 0; i < NPROC; i++)
    if (proc_table[i].state == P_ZOMBIE) proc_table[i].state = P_UNUSED;
  job_size = n;
  job_interrupted = 0;
  timer_resume();
  struct proc *started[NPROC];
  uint32_t count = 0;
  for (uint32_t i = 0; i < n && i < NPROC; i++) {
    started[count] = spawn(&reqs[i]);
    if (!started[count]) {
      kprintf("%s: cannot start (out of memory or process slots)\n", reqs[i].name);
      continue;
    }
    count++;
  }
  run_until_idle();
  int failures = 0;
  for (uint32_t i = 0; i < count; i++) {
    struct proc *p = started[i];
    if (job_size > 1) {
      char *out = outbuf[p - proc_table];
      for (uint32_t k = 0; k < p->outlen; k++) kputc(out[k]);
    }
    if (p->exit_code) failures++;
  }
  job_size = 0;
  return count == n ? failures : failures + (int)(n - count);
}

void proc_ps(void) {
  kprintf("  PID STATE     NAME             PAGES CTR EXIT\n");
  kprintf("    0 running   kernel               -   - -\n");
  for (uint32_t i = 0; i < NPROC; i++) {
    struct proc *p = &proc_table[i];
    if (p->state == P_UNUSED) continue;
    kprintf("%5u %-9s %-16s %5u %3u ", p->pid, state_name(p->state), p->name, p->user_pages, p->ctr);
    if (p->state == P_ZOMBIE) kprintf("%d\n", p->exit_code);
    else kprintf("-\n");
  }
}
