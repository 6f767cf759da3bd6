/* The workbench's own network devices, as the guest sees them (src/main/engine/devices/net): the emulated register
 * NIC (every access a trapped exit) and the SR-IOV virtual function (a register page mapped straight into the VM,
 * descriptor rings in guest RAM reached through the IOMMU). Shared by the kernel's driver (guest/kernel/net.c)
 * and the I/O lab's (guest/iolab/nic_emu.c, nic_vf.c). */
#ifndef GUEST_WB_NIC_H
#define GUEST_WB_NIC_H
#include <stdint.h>

/* emulated NIC (emulated-nic.ts) at 0x10300000, PLIC irq 11 */
#define EMU_BASE 0x10300000u
#define EMU_CTRL 0x00
#define EMU_MAC_LO 0x08
#define EMU_MAC_HI 0x0c
#define EMU_TX_ADDR 0x10
#define EMU_TX_LEN 0x14
#define EMU_TX_GO 0x18
#define EMU_RX_ADDR 0x20
#define EMU_RX_CAP 0x24
#define EMU_RX_LEN 0x28
#define EMU_RX_DONE 0x2c
#define EMU_IRQ_MASK 0x38

/* SR-IOV VF register page (sriov-vf.ts) at 0x10310000 */
#define VF_BASE 0x10310000u
#define VF_CTRL 0x00
#define VF_MAC_LO 0x08
#define VF_MAC_HI 0x0c
#define VF_TX_BASE 0x10
#define VF_TX_SIZE 0x14
#define VF_TX_TAIL 0x18
#define VF_RX_BASE 0x20
#define VF_RX_SIZE 0x24
#define VF_RX_TAIL 0x28
#define VF_IRQ_MASK 0x34
#define VF_DD 1u /* descriptor done */

struct vf_desc {
  uint32_t addr, addr_hi;
  uint16_t len, flags;
  uint32_t rsvd;
};

/* both devices give their MAC as two registers: bytes 0-3, then 4-5 */
static inline void wb_mac_from_regs(uint32_t lo, uint32_t hi, uint8_t mac[6]) {
  for (int i = 0; i < 4; i++) mac[i] = (uint8_t)(lo >> (8 * i));
  mac[4] = (uint8_t)hi;
  mac[5] = (uint8_t)(hi >> 8);
}

#endif
