// The planner's what-if VMs live as long as the window, not the tab: switching to the labs and back keeps them.
import { ref } from 'vue'
import type { PlanWhatIfVmDto } from '@shared/contract'

export const whatIf = ref<PlanWhatIfVmDto[]>([])
