/* The serial shell: reads lines from the UART ring (echoing them), runs commands. */
#include "kernel.h"
#include "gstring.h"

extern char __kernel_end[];

#define LINE_MAX 128

static int read_char(void) {
  int c;
  while ((c = uart_getc()) < 0) {
    timer_stop(); /* nothing runs until input arrives */
    idle_wait();
  }
  return c;
}

static void read_line(char *line) {
  uint32_t n = 0;
  static int last_cr;
  int esc = 0; /* 1 after ESC, 2 inside an ESC [ ... sequence (arrow keys etc. are ignored) */
  for (;;) {
    int c = read_char();
    if (c == 27) {
      esc = 1;
      continue;
    }
    if (esc) {
      esc = (esc == 1 && c == '[') || (esc == 2 && (c < 0x40 || c > 0x7e)) ? 2 : 0;
      continue;
    }
    if (c == '\n' && last_cr) { /* the LF of a CR LF pair */
      last_cr = 0;
      continue;
    }
    last_cr = c == '\r';
    if (c == '\r' || c == '\n') {
      kputc('\n');
      line[n] = 0;
      return;
    }
    if ((c == 8 || c == 127) && n) { /* backspace / delete */
      n--;
      kputs("\b \b");
    } else if (c >= 32 && c < 127 && n + 1 < LINE_MAX) {
      line[n++] = (char)c;
      kputc((char)c);
    }
  }
}

/* splits off the first word: returns it NUL-terminated, *rest points at what follows */
static char *first_word(char *s, char **rest) {
  while (*s == ' ') s++;
  char *w = s;
  while (*s && *s != ' ') s++;
  if (*s) *s++ = 0;
  while (*s == ' ') s++;
  *rest = s;
  return w;
}

static void cmd_help(void) {
  kputs("commands:\n"
        "  help             this list\n"
        "  ps               process table\n"
        "  run NAME [k=v]   run a workload in the foreground (^C stops it)\n"
        "  mem              memory usage\n"
        "  cmdline          the kernel command line\n"
        "  dmesg            the kernel log\n"
        "  echo TEXT        print TEXT\n"
        "  poweroff         power the machine off\n"
        "workloads:\n");
  workload_list();
}

static void cmd_mem(void) {
  uint32_t total = kalloc_total_pages(), free = kalloc_free_pages();
  kprintf("memory: %u KiB managed, %u KiB free (%u of %u pages), kernel image %u KiB\n", total * 4, free * 4, free,
          total, ((uint32_t)__kernel_end - RAM_BASE) / 1024);
}

void shell_run(void) {
  char line[LINE_MAX];
  kputs("shell: type 'help' for commands\n");
  for (;;) {
    kputs("wb$ ");
    read_line(line);
    char *rest;
    char *cmd = first_word(line, &rest);
    if (!*cmd) continue;
    if (strcmp(cmd, "help") == 0) cmd_help();
    else if (strcmp(cmd, "ps") == 0) proc_ps();
    else if (strcmp(cmd, "mem") == 0) cmd_mem();
    else if (strcmp(cmd, "cmdline") == 0) cmdline_print();
    else if (strcmp(cmd, "dmesg") == 0) klog_print();
    else if (strcmp(cmd, "echo") == 0) kprintf("%s\n", rest);
    else if (strcmp(cmd, "poweroff") == 0) {
      kputs("power off\n");
      sbi_poweroff(0);
    } else if (strcmp(cmd, "run") == 0) {
      char *args;
      char *name = first_word(rest, &args);
      if (!*name) kputs("usage: run NAME [key=value ...]\n");
      else {
        int r = workload_run(name, args);
        if (r > 0 && !job_interrupted) kprintf("%s: exited with failures (%d)\n", name, r);
      }
    } else kprintf("%s: unknown command (try 'help')\n", cmd);
  }
}
