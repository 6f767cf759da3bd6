/* Physical page allocator: a free list of 4 KiB pages between the end of the kernel and the end of usable RAM.
 * Pages are handed out in ascending address order at first, so a boot is the same every time. */
#include "kernel.h"
#include "gstring.h"

struct free_page {
  struct free_page *next;
};

static struct free_page *free_list;
static uint32_t nfree, ntotal;

void kalloc_init(uint32_t start, uint32_t end) {
  /* push from the top so the list starts at the lowest page */
  for (uint32_t pa = end - PAGE_SIZE; pa >= start && pa < end; pa -= PAGE_SIZE) {
    kfree((void *)pa);
    ntotal++;
  }
}

void *kalloc(void) {
  struct free_page *p = free_list;
  if (!p) return 0;
  free_list = p->next;
  nfree--;
  memset(p, 0, PAGE_SIZE);
  return p;
}

void kfree(void *page) {
  struct free_page *p = page;
  p->next = free_list;
  free_list = p;
  nfree++;
}

uint32_t kalloc_free_pages(void) { return nfree; }
uint32_t kalloc_total_pages(void) { return ntotal; }
