// A trapped device whose accesses first deliver the network events that are due: the device model runs when the
// VMM emulates an access, and must see every frame that has arrived by then (the queue's clock is the vCPU's).
// `catchUp` is either the queue (run what is due by its clock) or the host network's own rule (host-network.ts:
// only what every VM on the host has reached).
import type { MmioDevice } from '../devices/virtio/dma'
import type { EventQueue } from './events'

export function syncedDevice(dev: MmioDevice, catchUp: EventQueue | (() => void)): MmioDevice {
  const due = typeof catchUp === 'function' ? catchUp : (): void => void catchUp.catchUp()
  return {
    name: dev.name,
    size: dev.size,
    read: (o, size) => {
      due()
      return dev.read(o, size)
    },
    write: (o, size, v) => {
      due()
      dev.write(o, size, v)
    }
  }
}
