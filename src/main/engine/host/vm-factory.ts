// Where the host worker gets its VMs from: the VMM's createVm (src/main/engine/vmm).
import { WorkbenchError } from '../../../shared/errors'
import type { VmFactory } from './runtime'

export const createGuestVm: VmFactory = () => {
  throw new WorkbenchError('ENGINE_UNAVAILABLE', {})
}
