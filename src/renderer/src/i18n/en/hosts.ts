export default {
  hosts: {
    title: 'Hosts',
    intro: 'Simulated hosts. Each runs its VMs in its own worker thread, scheduled round-robin in equal time slices. Shape the cluster for a lab: add, edit or remove hosts, or load a preset.',
    cores: 'Cores',
    memory: 'Memory',
    memoryUse: '{used} / {total} MiB in use',
    iommu: 'IOMMU',
    sriov: 'SR-IOV VFs',
    vfUse: '{used} / {total} assigned',
    noSriov: 'No SR-IOV NIC',
    vfsNeedIommu: 'no IOMMU: VFs cannot be passed through',
    vms: 'VMs',
    noVms: 'No VMs on this host.',
    listSep: ', ',
    vmLine: '{nic}, {memory} MiB',
    workerState: { idle: 'Worker idle', running: 'Worker running', failed: 'Worker stopped' },
    workerHint: {
      idle: 'Its worker thread starts with the first VM.',
      running: 'Its worker thread runs the VMs in equal time slices.',
      failed: 'Its worker thread stopped unexpectedly; it restarts with the next VM.'
    },
    actions: { add: 'Add host', edit: 'Edit', remove: 'Remove', loadLab: 'Load the teaching-lab preset', reset: 'Reset to default' },
    form: {
      addTitle: 'Add a host',
      editTitle: 'Edit host {name}',
      name: 'Name',
      nameHelp: 'Letters, digits, dots, dashes or underscores; at most {max} characters.',
      cores: 'Cores',
      memory: 'Memory (MiB)',
      memoryHelp: 'A simulated budget ({min} to {max} MiB): the VMs running here may use this much real RAM together.',
      iommu: 'IOMMU',
      iommuHelp: 'Needed to pass an SR-IOV virtual function through to a VM.',
      vfs: 'SR-IOV virtual functions',
      vfsHelp: '0 means no SR-IOV NIC; at most {max}.',
      save: 'Save',
      create: 'Add host'
    },
    remove: {
      title: 'Remove host {name}?',
      body: 'The host has no VMs. Its worker thread is shut down.',
      confirm: 'Remove host'
    },
    preset: {
      title: { default: 'Reset to the default hosts?', 'teaching-lab': 'Load the teaching-lab preset?' },
      about: {
        default: 'Two hosts: host-a with an IOMMU and 4 VFs, host-b without either.',
        'teaching-lab': 'Four lab hosts; two older ones have no IOMMU, so VMs there cannot use SR-IOV. The planner on the I/O page shows which VMs could move where.'
      },
      removed: 'Removed: {names}.',
      added: 'Added: {names}.',
      kept: 'Redefined: {names}.',
      confirm: 'Replace hosts'
    },
    orphans: {
      title: 'VMs without a host',
      body: 'These VMs belong to hosts that no longer exist (the hosts file could not be read and was reset). Add a host with the same name to bring them back, or delete them.',
      on: 'on {host}'
    },
    notice: {
      added: 'Host {name} added.',
      saved: 'Host {name} saved.',
      removed: 'Host {name} removed.',
      loaded: 'Hosts now: {names}.'
    }
  },
  errors: {
    HOST_NAME_REQUIRED: 'Enter a host name.',
    HOST_NAME_TOO_LONG: 'Use at most 32 characters.',
    HOST_NAME_FORMAT: 'Start with a letter or digit; then use letters, digits, dots, dashes or underscores.',
    HOST_CORES_RANGE: 'Cores must be a whole number from 1 to 64.',
    HOST_MEMORY_RANGE: 'Memory must be a whole number from 64 to 65536 MiB.',
    HOST_VFS_RANGE: 'Virtual functions must be a whole number from 0 to 64.',
    HOST_NAME_TAKEN: 'A host named “{name}” already exists.',
    HOST_TOO_MANY: 'The cluster already has {max} hosts, the most the workbench runs. Remove one first.',
    HOST_HAS_VMS: 'Host {host} still has {count} VM(s). Delete or migrate them first.',
    HOST_LAST: 'Host {host} is the last host; the workbench needs at least one.',
    HOST_MEMORY_IN_USE: 'Host {host} cannot shrink to {requested} MiB: its running VMs use {used} MiB.',
    HOST_MEMORY_BELOW_VM: 'Host {host} cannot shrink to {requested} MiB: VM {vm} alone needs {memory} MiB.',
    HOST_CORES_BELOW_VM: 'Host {host} cannot have only {requested} cores: VM {vm} has {vcpus} vCPUs.',
    HOST_VFS_IN_USE: 'Host {host} cannot offer only {requested} virtual functions: {used} are assigned to VMs.',
    HOST_IOMMU_IN_USE: 'Host {host} must keep its IOMMU: {used} VM(s) use an SR-IOV virtual function through it.',
    HOST_CAPS_IN_USE: 'Stop the {count} VM(s) running on host {host} before changing its IOMMU or SR-IOV NIC: its worker thread sets up the host network when it starts.',
    HOST_MIGRATION_TARGET: 'VM {vm} is migrating to host {host}; wait until the migration ends.',
    HOST_PRESET_BLOCKED: 'Host {host} would disappear but has {count} VM(s). Delete or migrate them first.'
  }
}
