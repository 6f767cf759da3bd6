// Entry of a host worker thread (bundled as out/main/host-worker.js): the host runtime with the VMM's VMs.
import { createGuestVm } from './vm-factory'
import { runHostWorker } from './worker-main'

runHostWorker(createGuestVm)
