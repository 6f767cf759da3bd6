export default {
  hosts: {
    title: 'Hosts',
    intro: 'Simulated hosts. Each runs its VMs in its own worker thread, scheduled round-robin in equal time slices.',
    cores: 'Cores',
    memory: 'Memory',
    memoryUse: '{used} / {total} MiB in use',
    iommu: 'IOMMU',
    sriov: 'SR-IOV VFs',
    vfUse: '{used} / {total} assigned',
    vms: 'VMs',
    worker: 'Worker thread',
    online: 'running',
    offline: 'idle (starts with the first VM)'
  }
}
