/* Traps: the timer tick, device interrupts, and the user-trap dispatch the scheduler calls. */
#include "kernel.h"
#include "fmt.h"

extern char trap_vector[];
extern char idle_wfi[];

volatile uint32_t ticks;
volatile uint32_t interrupt_requested;
uint32_t preemptions;
static uint64_t next_tick;
uint32_t tick_hz = HZ_DEFAULT;
static uint32_t tick_interval = TIMEBASE_HZ / HZ_DEFAULT;

uint64_t read_time(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = csr_read(timeh);
    lo = csr_read(time);
    hi2 = csr_read(timeh);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

void trap_init(void) {
  csr_write(stvec, (uint32_t)trap_vector);
  csr_write(sscratch, 0);
}

void timer_start(uint32_t hz) {
  tick_hz = hz;
  tick_interval = TIMEBASE_HZ / hz;
  timer_resume();
  csr_set(sie, 1u << IRQ_S_TIMER);
}

/* Tickless idle: while the shell waits for input and no process exists, the tick is switched off and only the
 * UART interrupt wakes the kernel (a VMM sees a guest with nothing pending and can skip it entirely). */
static uint32_t ticking;

void timer_stop(void) {
  ticking = 0;
  sbi_set_timer(~0ull);
}

void timer_resume(void) {
  if (ticking) return;
  ticking = 1;
  next_tick = read_time() + tick_interval;
  sbi_set_timer(next_tick);
}

static void timer_tick(void) {
  uint64_t now = read_time();
  if (!ticking) {
    sbi_set_timer(~0ull); /* a late tick after timer_stop: just clear it */
    return;
  }
  ticks++;
  /* the next deadline keeps the 10 ms grid; if we fell behind, skip ahead */
  next_tick += tick_interval;
  if (next_tick <= now) next_tick = now + tick_interval;
  sbi_set_timer(next_tick);
  for (uint32_t i = 0; i < NPROC; i++) {
    struct proc *p = &proc_table[i];
    if (p->state == P_SLEEPING && (((uint64_t)p->wake_hi << 32) | p->wake_lo) <= now) p->state = P_RUNNABLE;
  }
  uart_poll();
}

/* an interrupt from any mode; returns 1 for the timer */
static int handle_interrupt(uint32_t cause) {
  switch (cause & ~CAUSE_INTERRUPT) {
  case IRQ_S_TIMER:
    timer_tick();
    return 1;
  case IRQ_S_EXT:
    if (!net_posted_intr()) plic_handle();
    return 0;
  case IRQ_S_SOFT:
    csr_clear(sip, 1u << IRQ_S_SOFT);
    return 0;
  default:
    panic("unexpected interrupt scause=%p", cause);
  }
}

void kernel_trap(void *frame);
void kernel_trap(void *frame) {
  (void)frame;
  uint32_t cause = csr_read(scause);
  if (cause & CAUSE_INTERRUPT) {
    handle_interrupt(cause);
    /* taken between enabling interrupts and the idle wfi: skip the wfi, or the event this interrupt delivered
     * (a typed byte, a woken process) would wait for the next interrupt, which in tickless idle may never come */
    if (csr_read(sepc) == (uint32_t)idle_wfi) csr_write(sepc, (uint32_t)idle_wfi + 4);
    return;
  }
  panic("kernel trap scause=%p sepc=%p stval=%p", cause, csr_read(sepc), csr_read(stval));
}

static const char *cause_name(uint32_t cause) {
  switch (cause) {
  case EXC_ILLEGAL: return "illegal instruction";
  case EXC_BREAKPOINT: return "breakpoint";
  case EXC_INSN_PAGE_FAULT: return "instruction page fault";
  case EXC_LOAD_PAGE_FAULT: return "load page fault";
  case EXC_STORE_PAGE_FAULT: return "store page fault";
  case EXC_INSN_ACCESS:
  case EXC_LOAD_ACCESS:
  case EXC_STORE_ACCESS: return "access fault";
  default: return "exception";
  }
}

int handle_user_trap(struct proc *p) {
  uint32_t cause = csr_read(scause);
  p->pc = p->tf.pc;
  if (cause & CAUSE_INTERRUPT) {
    if (handle_interrupt(cause)) {
      p->ticks++;
      preemptions++;
      return 1; /* timer: preempt, round robin */
    }
    return 0;
  }
  if (cause == EXC_ECALL_U) {
    p->tf.pc += 4;
    return do_syscall(p);
  }
  uint32_t stval = csr_read(stval);
  if ((cause == EXC_LOAD_PAGE_FAULT || cause == EXC_STORE_PAGE_FAULT || cause == EXC_INSN_PAGE_FAULT) &&
      uvm_fix_ad((pte_t *)p->pagetable, stval, cause))
    return 0;
  char msg[96];
  uint32_t n = fmt_snprintf(msg, sizeof msg, "[%u] killed: %s at pc %p, address %p\n", p->pid, cause_name(cause), p->pc, stval);
  proc_write(p, msg, n);
  proc_exit(p, -1);
  return 1;
}
