// Where the host worker gets its VMs from: the VMM's createVm (src/main/engine/vmm).
import { createVm } from '../vmm/vm'
import type { VmFactory } from './runtime'

export const createGuestVm: VmFactory = (config, elf) => createVm(config, elf)
