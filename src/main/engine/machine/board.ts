// The QEMU `virt` memory map (see docs/engine.md). Every address a guest sees on our board comes from here.
export const FINISHER_BASE = 0x0010_0000
export const FINISHER_SIZE = 0x1000
export const CLINT_BASE = 0x0200_0000
export const CLINT_SIZE = 0x1_0000
export const PLIC_BASE = 0x0c00_0000
export const PLIC_SIZE = 0x60_0000
export const UART0_BASE = 0x1000_0000
export const UART0_SIZE = 0x100
export const UART0_IRQ = 10
export const VIRTIO_BASE = 0x1000_1000
export const VIRTIO_STRIDE = 0x1000
export const VIRTIO_COUNT = 8
/** virtio-mmio slot n raises PLIC irq VIRTIO_IRQ_BASE + n. */
export const VIRTIO_IRQ_BASE = 1
export const RAM_BASE = 0x8000_0000

/** mtime ticks at 10 MHz; the nominal vCPU clock is 1 GHz, so one tick = 100 cycles. */
export const CYCLES_PER_MTIME_TICK = 100
export const DEFAULT_MEMORY_MIB = 64
export const MAX_MEMORY_MIB = 1024
