/* SBI calls to the firmware (the M-mode stub on QEMU/bare metal, the VMM when virtualized). */
#include "kernel.h"
#include "sbi_ids.h"
#include "ecall.h"

struct sbiret {
  int32_t error;
  uint32_t value;
};

static struct sbiret sbi_call(uint32_t eid, uint32_t fid, uint32_t a0, uint32_t a1) {
  struct ecall_ret e = ecall(eid, fid, a0, a1, 0);
  struct sbiret r = {(int32_t)e.a0, e.a1};
  return r;
}

void sbi_putchar(char c) { sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (uint8_t)c, 0); }

void sbi_set_timer(uint64_t when) {
  struct sbiret r = sbi_call(SBI_EXT_TIME, 0, (uint32_t)when, (uint32_t)(when >> 32));
  if (r.error == SBI_ERR_NOT_SUPPORTED) sbi_call(SBI_EXT_LEGACY_SET_TIMER, 0, (uint32_t)when, (uint32_t)(when >> 32));
}

void sbi_poweroff(uint32_t failure) {
  sbi_call(SBI_EXT_SRST, 0, SBI_SRST_TYPE_SHUTDOWN, failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE);
  sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0);
  for (;;) wfi();
}
