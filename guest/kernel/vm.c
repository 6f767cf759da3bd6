/* Sv32 page tables. The kernel maps usable RAM and its devices 1:1 with 4 KiB pages (text R-X, rodata R--,
 * the rest RW-, A and D preset). Each process has its own root: the kernel's level-1 entries are copied in (the
 * level-0 tables are shared), user pages live in level-1 slots the kernel does not use. */
#include "kernel.h"
#include "gstring.h"

extern char __text_end[], __rodata_end[];

pte_t *kernel_root;
static uint32_t ram_end;

#define PTE_PA(pte) (((pte) >> 10) << 12)
#define PA_PTE(pa) (((uint32_t)(pa) >> 12) << 10)

static pte_t *walk(pte_t *root, uint32_t va, int alloc) {
  pte_t *l1 = &root[va >> 22];
  if (!(*l1 & PTE_V)) {
    if (!alloc) return 0;
    pte_t *table = kalloc();
    if (!table) return 0;
    *l1 = PA_PTE(table) | PTE_V;
  } else if (*l1 & (PTE_R | PTE_W | PTE_X)) {
    return 0; /* megapage: not used by this kernel */
  }
  pte_t *l0 = (pte_t *)PTE_PA(*l1);
  return &l0[(va >> 12) & 0x3ff];
}

pte_t *uvm_walk(pte_t *root, uint32_t va) { return walk(root, va, 0); }

uint32_t satp_for(pte_t *root) { return SATP_MODE_SV32 | ((uint32_t)root >> 12); }

static void kmap_range(uint32_t start, uint32_t end, uint32_t flags) {
  for (uint32_t a = start & ~(PAGE_SIZE - 1); a < end; a += PAGE_SIZE) {
    pte_t *pte = walk(kernel_root, a, 1);
    if (!pte) panic("kvm: out of memory mapping %p", a);
    *pte = PA_PTE(a) | flags | PTE_V | PTE_A | PTE_D;
  }
}

void kvm_init(uint32_t mem_end) {
  ram_end = mem_end;
  kernel_root = kalloc();
  kmap_range(RAM_BASE, (uint32_t)__text_end, PTE_R | PTE_X);
  kmap_range((uint32_t)__text_end, (uint32_t)__rodata_end, PTE_R);
  kmap_range((uint32_t)__rodata_end, mem_end, PTE_R | PTE_W);
  kmap_range(UART0_BASE, UART0_BASE + PAGE_SIZE, PTE_R | PTE_W);
  kmap_range(PLIC_BASE, PLIC_BASE + PAGE_SIZE, PTE_R | PTE_W);            /* priorities */
  kmap_range(PLIC_BASE + 0x2000, PLIC_BASE + 0x3000, PTE_R | PTE_W);      /* enables */
  kmap_range(PLIC_BASE + 0x201000, PLIC_BASE + 0x202000, PTE_R | PTE_W);  /* context 1 */
  csr_write(satp, satp_for(kernel_root));
  sfence_vma();
}

uint32_t kvm_satp(void) { return satp_for(kernel_root); }

/* Device pages mapped on first use (the network device): in the UART's 4 MiB region, whose level-0 table every
 * process root shares, so no table is allocated and every address space sees them at once. */
void kvm_map_device(uint32_t start, uint32_t end) {
  kmap_range(start, end, PTE_R | PTE_W);
  sfence_vma();
}

pte_t *uvm_create(void) {
  pte_t *root = kalloc();
  if (root) memcpy(root, kernel_root, PAGE_SIZE);
  return root;
}

int uvm_map(pte_t *root, uint32_t va, uint32_t pa, uint32_t flags) {
  if (kernel_root[va >> 22]) return -1; /* never touch a kernel slot */
  pte_t *pte = walk(root, va, 1);
  if (!pte) return -1;
  /* A and D left clear: the MMU (or uvm_fix_ad) sets them on first use */
  *pte = PA_PTE(pa) | flags | PTE_U | PTE_V;
  return 0;
}

int uvm_alloc(pte_t *root, uint32_t va, uint32_t pages, uint32_t flags) {
  for (uint32_t i = 0; i < pages; i++) {
    void *page = kalloc();
    if (!page) return -1;
    if (uvm_map(root, va + i * PAGE_SIZE, (uint32_t)page, flags)) {
      kfree(page);
      return -1;
    }
  }
  return 0;
}

static int is_ram(uint32_t pa) { return pa >= RAM_BASE && pa < ram_end; }

static uint32_t user_slots(pte_t *root, int release) {
  uint32_t pages = 0;
  for (uint32_t i = 0; i < 1024; i++) {
    if (!(root[i] & PTE_V) || root[i] == kernel_root[i]) continue;
    pte_t *l0 = (pte_t *)PTE_PA(root[i]);
    for (uint32_t j = 0; j < 1024; j++) {
      if (!(l0[j] & PTE_V) || !is_ram(PTE_PA(l0[j]))) continue;
      pages++;
      if (release) kfree((void *)PTE_PA(l0[j]));
    }
    if (release) kfree(l0);
  }
  return pages;
}

uint32_t uvm_pages(pte_t *root) { return user_slots(root, 0); }

void uvm_free(pte_t *root) {
  user_slots(root, 1);
  kfree(root);
}

/* Software A/D management: if the MMU raised a page fault only because A (or D for a store) was clear,
 * set the bit and retry. Returns 1 when fixed. */
int uvm_fix_ad(pte_t *root, uint32_t va, uint32_t cause) {
  pte_t *pte = walk(root, va, 0);
  if (!pte || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U)) return 0;
  uint32_t need = PTE_A, perm = PTE_R;
  if (cause == EXC_STORE_PAGE_FAULT) {
    need |= PTE_D;
    perm = PTE_W;
  } else if (cause == EXC_INSN_PAGE_FAULT) {
    perm = PTE_X;
  }
  if (!(*pte & perm) || (*pte & need) == need) return 0;
  *pte |= need;
  sfence_vma();
  return 1;
}

/* copies between kernel memory and user virtual memory through the process's page table (the kernel never
 * dereferences user addresses itself, so it needs no sstatus.SUM); every page must be U and readable/writable */
static int copy_user(pte_t *root, uint32_t va, uint8_t *kbuf, uint32_t len, int to_user) {
  uint32_t need = PTE_V | PTE_U | (to_user ? PTE_W : PTE_R);
  while (len) {
    pte_t *pte = walk(root, va, 0);
    if (!pte || (*pte & need) != need) return -1;
    uint32_t off = va & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
    if (n > len) n = len;
    uint8_t *user = (uint8_t *)(PTE_PA(*pte) + off);
    if (to_user) {
      memcpy(user, kbuf, n);
      *pte |= PTE_A | PTE_D; /* as the MMU would for a store */
    } else {
      memcpy(kbuf, user, n);
    }
    kbuf += n;
    va += n;
    len -= n;
  }
  return 0;
}

int copy_from_user(pte_t *root, void *dst, uint32_t va, uint32_t len) { return copy_user(root, va, dst, len, 0); }

int copy_to_user(pte_t *root, uint32_t va, const void *src, uint32_t len) {
  return copy_user(root, va, (uint8_t *)src, len, 1);
}
