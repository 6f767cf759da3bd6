/* Physical page allocator for the RAM between the end of the kernel and the end of managed memory.
 * Pages never used are handed out in ascending order from a bump pointer, so memory the guest has not needed
 * stays untouched (all zero, as a VMM's zero-page detection expects); freed pages go on a free list and are
 * reused first. The order is the same on every boot. */
#include "kernel.h"
#include "gstring.h"

struct free_page {
  struct free_page *next;
};

static struct free_page *free_list;
static uint32_t next_fresh, mem_end, nlisted, ntotal;

void kalloc_init(uint32_t start, uint32_t end) {
  next_fresh = start;
  mem_end = end;
  ntotal = (end - start) / PAGE_SIZE;
}

void *kalloc(void) {
  void *page;
  if (free_list) {
    page = free_list;
    free_list = free_list->next;
    nlisted--;
  } else if (next_fresh < mem_end) {
    page = (void *)next_fresh;
    next_fresh += PAGE_SIZE;
  } else {
    return 0;
  }
  memset(page, 0, PAGE_SIZE);
  return page;
}

void kfree(void *page) {
  struct free_page *p = page;
  p->next = free_list;
  free_list = p;
  nlisted++;
}

uint32_t kalloc_free_pages(void) { return nlisted + (mem_end - next_fresh) / PAGE_SIZE; }
uint32_t kalloc_total_pages(void) { return ntotal; }
