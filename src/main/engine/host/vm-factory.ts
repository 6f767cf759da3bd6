// Where the host worker gets its VMs from: the VMM's createVm (src/main/engine/vmm), NIC on the host network.
import { createVm } from '../vmm/vm'
import type { VmFactory } from './runtime'

export const createGuestVm: VmFactory = (config, elf, env) => createVm(config, elf, env)
