/* The kernel command line: `boot_cmdline` (overwritten by the workbench VMM through its .symtab address), or
 * /chosen/bootargs from QEMU's device tree when one was passed in a1 and it is not empty (`-append`).
 * Options are space-separated key=value words (a bare key means key=1). */
#include "kernel.h"
#include "gstring.h"

__attribute__((section(".data.boot_cmdline"))) char boot_cmdline[CMDLINE_SIZE] = "console=ttyS0";

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* flattened device tree (devicetree spec v0.4, chapter 5): find /chosen/bootargs */
static const char *fdt_bootargs(uint32_t dtb) {
  const uint8_t *h = (const uint8_t *)dtb;
  if (dtb < RAM_BASE || (dtb & 3) || be32(h) != 0xd00dfeedu) return 0;
  uint32_t total = be32(h + 4);
  if (total > (1u << 20) || be32(h + 8) >= total || be32(h + 12) >= total) return 0; /* not a sane device tree */
  const uint8_t *s = h + be32(h + 8), *end = h + total;
  const char *strings = (const char *)h + be32(h + 12);
  int depth = 0, in_chosen = 0;
  while (s + 4 <= end) {
    uint32_t token = be32(s);
    s += 4;
    if (token == 1) { /* begin node */
      const char *name = (const char *)s;
      uint32_t len = strlen(name);
      depth++;
      if (depth == 2) in_chosen = strcmp(name, "chosen") == 0;
      s += (len + 4) & ~3u;
    } else if (token == 2) { /* end node */
      if (depth == 2) in_chosen = 0;
      depth--;
    } else if (token == 3) { /* property */
      uint32_t len = be32(s), nameoff = be32(s + 4);
      const char *value = (const char *)s + 8;
      if (in_chosen && depth == 2 && strcmp(strings + nameoff, "bootargs") == 0) return value;
      s += 8 + ((len + 3) & ~3u);
    } else if (token == 4) { /* nop */
    } else {
      break;
    }
  }
  return 0;
}

void cmdline_init(uint32_t dtb) {
  const char *args = dtb ? fdt_bootargs(dtb) : 0;
  if (args && *args) strlcpy(boot_cmdline, args, CMDLINE_SIZE);
  boot_cmdline[CMDLINE_SIZE - 1] = 0;
}

/* prints the command line with the value of secret= hidden (the isolation lab's secret must not reach the
 * console except through an escape) */
void cmdline_print(void) {
  for (const char *w = boot_cmdline; *w;) {
    if ((w == boot_cmdline || w[-1] == ' ') && strncmp(w, "secret=", 7) == 0) {
      kputs("secret=(hidden)");
      while (*w && *w != ' ') w++;
    } else {
      kputc(*w++);
    }
  }
  kputc('\n');
}

static int lookup(const char *line, const char *key, char *out, uint32_t size) {
  uint32_t klen = strlen(key);
  int found = 0;
  for (const char *w = line; w && *w;) {
    while (*w == ' ') w++;
    const char *e = w;
    while (*e && *e != ' ') e++;
    if ((uint32_t)(e - w) >= klen && strncmp(w, key, klen) == 0 && (w + klen == e || w[klen] == '=')) {
      const char *v = w + klen == e ? "1" : w + klen + 1;
      uint32_t n = w + klen == e ? 1 : (uint32_t)(e - v);
      if (n >= size) n = size - 1;
      memcpy(out, v, n);
      out[n] = 0;
      found = 1; /* keep going: the last occurrence wins */
    }
    w = e;
  }
  return found;
}

int cmdline_get(const char *extra, const char *key, char *out, uint32_t size) {
  if (extra && lookup(extra, key, out, size)) return 1;
  return lookup(boot_cmdline, key, out, size);
}

uint32_t cmdline_u32(const char *extra, const char *key, uint32_t fallback) {
  char v[24];
  uint32_t out;
  if (!cmdline_get(extra, key, v, sizeof v)) return fallback;
  if (parse_u32(v, strlen(v), &out)) {
    kprintf("cmdline: ignoring %s=%s (not a number)\n", key, v);
    return fallback;
  }
  return out;
}
