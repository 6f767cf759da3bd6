/* Boot: command line, memory, paging, devices, timer; then the boot workloads, then power off or the shell. */
#include "kernel.h"
#include "gstring.h"

extern char __kernel_end[];

#define DEFAULT_MEM (16u << 20)
#define MIN_FREE_PAGES 256u

void kmain(uint32_t hartid, uint32_t dtb);

static uint32_t choose_memory(void) {
  uint32_t mem = cmdline_u32(0, "mem", DEFAULT_MEM) & ~(PAGE_SIZE - 1);
  uint32_t min = (uint32_t)__kernel_end - RAM_BASE + MIN_FREE_PAGES * PAGE_SIZE;
  if (mem < min || mem > 0x40000000u) {
    kprintf("mem: %u bytes is out of range, using %u\n", mem, DEFAULT_MEM);
    mem = DEFAULT_MEM;
  }
  return mem;
}

/* Runs the comma-separated workloads named by autorun= (or workload=); the self-test first unless selftest=0.
 * Returns the number of failed workloads. */
static int autorun(void) {
  char list[96];
  int failed = 0;
  if (!cmdline_get(0, "autorun", list, sizeof list) && !cmdline_get(0, "workload", list, sizeof list)) list[0] = 0;
  if (cmdline_u32(0, "selftest", 1)) failed += workload_run("selftest", 0) != 0;
  for (char *w = list; *w;) {
    char *e = w;
    while (*e && *e != ',') e++;
    char save = *e;
    *e = 0;
    if (*w && strcmp(w, "selftest") != 0 && workload_run(w, 0)) failed++;
    *e = save;
    w = save ? e + 1 : e;
  }
  return failed;
}

void kmain(uint32_t hartid, uint32_t dtb) {
  (void)hartid;
  boot_dtb = dtb;
  cmdline_init(dtb); /* before paging: the device tree is read at its physical address */
  trap_init();
  kputs("\nVMM Workbench teaching kernel 1.0 (RV32IMA, S-mode, Sv32)\n");
  kputs("cmdline: ");
  cmdline_print();
  uint32_t mem = choose_memory();
  kalloc_init((uint32_t)__kernel_end, RAM_BASE + mem);
  kvm_init(RAM_BASE + mem);
  kprintf("memory: %u KiB at %p, kernel %p-%p, %u pages free\n", mem / 1024, RAM_BASE, RAM_BASE,
          (uint32_t)__kernel_end, kalloc_free_pages());
  kprintf("paging: Sv32 on, kernel root page table at %p\n", (uint32_t)kernel_root);
  uart_init();
  plic_init();
  uint32_t hz = cmdline_u32(0, "hz", HZ_DEFAULT);
  if (hz < 10 || hz > 1000) {
    kprintf("hz: %u is out of range (10..1000), using %u\n", hz, HZ_DEFAULT);
    hz = HZ_DEFAULT;
  }
  timer_start(hz);
  kprintf("timer: %u Hz tick, timebase %u Hz; uart ns16550a at %p, irq %u via PLIC\n", hz, TIMEBASE_HZ, UART0_BASE,
          UART0_IRQ);
  int failed = autorun();
  if (cmdline_u32(0, "halt", 0)) {
    kprintf("halt: %d workload(s) failed, power off\n", failed);
    sbi_poweroff(failed != 0);
  }
  shell_run();
}
