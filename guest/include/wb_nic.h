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
#define VF_STATUS 0x04
#define VF_MAC_LO 0x08
#define VF_MAC_HI 0x0c
#define VF_TX_BASE 0x10
#define VF_TX_SIZE 0x14
#define VF_TX_TAIL 0x18
#define VF_RX_BASE 0x20
#define VF_RX_SIZE 0x24
#define VF_RX_TAIL 0x28
#define VF_IRQ_CAUSE 0x30 /* bit0 tx done, bit1 rx; write 1 to clear (the driver's claim of the posted interrupt) */
#define VF_IRQ_MASK 0x34  /* causes that post an interrupt; unmasking a pending cause posts at once */
#define VF_IRQ_RX 2u
#define VF_DD 1u /* descriptor done */

/* The VF's interrupt is posted: the device sets the pending bit in the VM's interrupt file (as a RISC-V AIA
 * guest interrupt file or a VT-d posted-interrupt descriptor), so no VM exit delivers it; the guest sees a
 * supervisor external interrupt, reads VF_IRQ_CAUSE in the mapped page to learn it is the VF's, and claims it by
 * writing the cause back (or by masking it). Both are plain stores into the page: no exit either. */

/* Hot-plug slot of a failover pair's VF (failover.ts), emulated by the VMM (trapped: each access exits; used
 * only when a VF comes or goes), at 0x10320000, PLIC irq 12 while an event is pending:
 *   STATUS  bit0 PRESENT: a VF is in the slot (its page at VF_BASE works; absent, the page reads all ones)
 *           bit1 UNPLUG_REQ: the host asks the guest to release the VF (a migration is about to start)
 *   EVENT   the same bits as events, write 1 to clear: PLUGGED (a VF arrived), UNPLUG (release requested)
 *   CTRL    write SLOT_EJECT once the driver has stopped using the VF (its queues drained, CTRL 0): the host
 *           then takes it away. A guest that never ejects is surprise-removed after the host's timeout.
 * While the release is pending the host already delivers new frames to the virtio standby. */
#define SLOT_BASE 0x10320000u
#define SLOT_IRQ 12u
#define SLOT_STATUS 0x00
#define SLOT_EVENT 0x04
#define SLOT_CTRL 0x08
#define SLOT_PRESENT 1u
#define SLOT_UNPLUG 2u
#define SLOT_EJECT 1u

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
