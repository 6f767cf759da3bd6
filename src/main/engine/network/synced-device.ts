// A trapped device whose accesses first deliver the network events that are due: the device model runs when the
// VMM emulates an access, and must see every frame that has arrived by then (the queue's clock is the vCPU's).
import type { MmioDevice } from '../devices/virtio/dma'
import type { EventQueue } from './events'

export function syncedDevice(dev: MmioDevice, events: EventQueue): MmioDevice {
  return {
    name: dev.name,
    size: dev.size,
    read: (o, size) => {
      events.catchUp()
      return dev.read(o, size)
    },
    write: (o, size, v) => {
      events.catchUp()
      dev.write(o, size, v)
    }
  }
}
