/* M-mode half of the SBI stub: timer forwarding and the SBI calls the kernel makes (see mstub.S). */
#include <stdint.h>
#include "platform.h"
#include "riscv.h"
#include "sbi_ids.h"

struct mframe {
  uint32_t x[32]; /* x[0] unused; x[10] = a0 ... x[17] = a7 */
};

void mstub_handle(struct mframe *f);

static void finisher(uint32_t value) {
  mmio_write32(FINISHER_BASE, value);
  for (;;) wfi();
}

static void uart_putc(char c) {
  while (!(mmio_read8(UART0_BASE + UART_LSR) & UART_LSR_THRE)) {
  }
  mmio_write8(UART0_BASE + UART_THR, (uint8_t)c);
}

static void set_timer(uint32_t lo, uint32_t hi) {
  /* 64-bit mtimecmp on RV32: park the high word first so no spurious match occurs in between */
  mmio_write32(CLINT_MTIMECMP0 + 4, 0xffffffffu);
  mmio_write32(CLINT_MTIMECMP0, lo);
  mmio_write32(CLINT_MTIMECMP0 + 4, hi);
  csr_clear(mip, 1u << IRQ_S_TIMER);
  csr_set(mie, 1u << IRQ_M_TIMER);
}

static void reset(uint32_t type, uint32_t reason) {
  if (type == SBI_SRST_TYPE_SHUTDOWN)
    finisher(reason == SBI_SRST_REASON_NONE ? FINISHER_PASS : ((reason & 0xffffu) << 16) | FINISHER_FAIL);
  finisher(FINISHER_RESET);
}

static int32_t probe(uint32_t eid) {
  switch (eid) {
  case SBI_EXT_LEGACY_SET_TIMER:
  case SBI_EXT_LEGACY_PUTCHAR:
  case SBI_EXT_LEGACY_GETCHAR:
  case SBI_EXT_LEGACY_SHUTDOWN:
  case SBI_EXT_BASE:
  case SBI_EXT_TIME:
  case SBI_EXT_SRST:
    return 1;
  default:
    return 0;
  }
}

/* returns the SBI error in a0 and the value in a1 (legacy calls return in a0 only) */
static void sbi_call(struct mframe *f) {
  uint32_t eid = f->x[17], fid = f->x[16], a0 = f->x[10], a1 = f->x[11];
  int32_t err = SBI_SUCCESS;
  uint32_t value = 0;
  switch (eid) {
  case SBI_EXT_LEGACY_SET_TIMER:
    set_timer(a0, a1);
    f->x[10] = 0;
    return;
  case SBI_EXT_LEGACY_PUTCHAR:
    uart_putc((char)a0);
    f->x[10] = 0;
    return;
  case SBI_EXT_LEGACY_GETCHAR:
    f->x[10] = (mmio_read8(UART0_BASE + UART_LSR) & UART_LSR_DR) ? mmio_read8(UART0_BASE + UART_RBR) : (uint32_t)-1;
    return;
  case SBI_EXT_LEGACY_SHUTDOWN:
    finisher(FINISHER_PASS);
    return;
  case SBI_EXT_BASE:
    if (fid == SBI_BASE_GET_SPEC_VERSION) value = 1u << 24; /* v1.0 */
    else if (fid == SBI_BASE_GET_IMPL_ID) value = 0x5742;  /* "WB": the workbench stub */
    else if (fid == SBI_BASE_GET_IMPL_VERSION) value = 1;
    else if (fid == SBI_BASE_PROBE_EXTENSION) value = (uint32_t)probe(a0);
    else if (fid <= SBI_BASE_GET_MIMPID) value = 0;
    else err = SBI_ERR_NOT_SUPPORTED;
    break;
  case SBI_EXT_TIME:
    if (fid == 0) set_timer(a0, a1);
    else err = SBI_ERR_NOT_SUPPORTED;
    break;
  case SBI_EXT_SRST:
    if (fid == 0 && a0 <= SBI_SRST_TYPE_WARM_REBOOT) reset(a0, a1);
    err = fid == 0 ? SBI_ERR_INVALID_PARAM : SBI_ERR_NOT_SUPPORTED;
    break;
  default:
    err = SBI_ERR_NOT_SUPPORTED;
  }
  f->x[10] = (uint32_t)err;
  f->x[11] = value;
}

static void put_hex(uint32_t v) {
  for (int i = 28; i >= 0; i -= 4) uart_putc("0123456789abcdef"[(v >> i) & 15]);
}

static void put_str(const char *s) {
  while (*s) uart_putc(*s++);
}

void mstub_handle(struct mframe *f) {
  uint32_t cause = csr_read(mcause);
  if (cause == (CAUSE_INTERRUPT | IRQ_M_TIMER)) {
    /* hand the timer to S: raise STIP, mask MTIP until the kernel programs the next deadline */
    csr_clear(mie, 1u << IRQ_M_TIMER);
    csr_set(mip, 1u << IRQ_S_TIMER);
    return;
  }
  if (cause == EXC_ECALL_S) {
    sbi_call(f);
    csr_write(mepc, csr_read(mepc) + 4);
    return;
  }
  put_str("\nmstub: unexpected trap mcause=");
  put_hex(cause);
  put_str(" mepc=");
  put_hex(csr_read(mepc));
  put_str(" mtval=");
  put_hex(csr_read(mtval));
  put_str("\n");
  finisher((0xdeu << 16) | FINISHER_FAIL);
}
