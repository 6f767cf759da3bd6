export default {
  vms: {
    title: 'Virtual machines',
    empty: 'No virtual machines yet. Create one to boot a guest kernel on the VMM engine.',
    newVm: 'New VM',
    columns: { name: 'Name', state: 'State', host: 'Host', memory: 'Memory', vcpus: 'vCPUs', mode: 'Virtualization', nic: 'NIC', vtpm: 'vTPM', actions: 'Actions' },
    state: { stopped: 'Stopped', running: 'Running', paused: 'Paused', halted: 'Powered off', crashed: 'Crashed' },
    mode: { 'trap-and-emulate': 'Trap-and-emulate', 'hardware-assisted': 'Hardware-assisted (EPT)' },
    modeHelp: {
      'trap-and-emulate': 'The guest kernel runs deprivileged; every privileged instruction traps to the VMM, and page tables are shadowed. Many exits.',
      'hardware-assisted': 'The guest kernel runs in virtual supervisor mode with its own page tables; a second-stage table (EPT) translates guest-physical memory. Few exits.'
    },
    nic: { none: 'None', emulated: 'Emulated NIC', virtio: 'virtio-net', 'sriov-vf': 'SR-IOV VF', 'vf-failover': 'VF + virtio failover' },
    nicHelp: {
      none: 'No network device.',
      emulated: 'Every register access is a VM exit handled by the device model: slow, but migratable anywhere.',
      virtio: 'Paravirtual rings in guest memory, few exits: fast and migratable.',
      'sriov-vf': 'A virtual function of the host NIC passed through (needs an IOMMU): fastest, but the VM cannot migrate.',
      'vf-failover': 'A VF paired with a virtio standby: fast, and the VF is unplugged for migration.'
    },
    actions: { start: 'Start', pause: 'Pause', resume: 'Resume', stop: 'Stop', delete: 'Delete', open: 'Open' },
    confirmStop: {
      title: 'Stop “{name}”?',
      body: 'The guest is powered off at once, like pulling the plug. Anything not saved inside the guest is lost.'
    },
    confirmDelete: {
      title: 'Delete “{name}”?',
      body: 'The VM definition is removed. A running VM is stopped first. This cannot be undone.'
    },
    halt: { poweroff: 'Powered off (exit code {code})', crash: 'Stopped by the VMM: {reason}' },
    wizard: {
      title: 'Create a virtual machine',
      steps: { basics: 'Basics', platform: 'Platform', devices: 'Devices', review: 'Review' },
      name: 'Name',
      namePlaceholder: 'e.g. lab-vm-1',
      memory: 'Memory (MiB)',
      vcpus: 'vCPUs',
      image: 'Guest image',
      noImages: 'No guest images found in resources/guest.',
      host: 'Host',
      hostCaps: '{cores} cores · {memory} MiB · IOMMU {iommu} · {vfs} SR-IOV VFs',
      mode: 'Virtualization mode',
      nic: 'Network interface',
      vtpm: 'Virtual TPM',
      vtpmHelp: 'Adds a TPM 2.0 with measured boot, for attestation.',
      review: 'Check the settings, then create the VM. It starts stopped.',
      created: 'VM “{name}” created.'
    }
  },
  detail: {
    back: 'All VMs',
    console: 'Serial console',
    consoleHint: "Click the console and type: keys go to the guest's UART.",
    charts: { ips: 'Instructions / s', exits: 'VM exits / s by reason', dirty: 'Dirty pages / s' },
    exitsTable: 'Exit counts',
    exitReason: {
      sbi: 'SBI call',
      'privileged-insn': 'privileged instruction emulated',
      'shadow-page-fault': 'shadow page-table fill',
      'pt-write': 'guest page-table write',
      'guest-page-fault-injected': 'page fault injected into the guest',
      'ept-violation': 'EPT violation',
      mmio: 'device register access (MMIO)',
      wfi: 'idle wait (WFI)',
      timer: 'timer interrupt',
      'external-irq': 'external interrupt',
      'dirty-log': 'dirty-page logging fault',
      'trap-reflected': 'trap reflected to the guest'
    },
    reason: 'Reason',
    count: 'Count',
    rate: 'Per second',
    total: 'Total',
    summary: {
      mode: 'Virtualization mode',
      instructions: 'Instructions',
      virtualTime: 'Virtual time',
      exitCycles: 'Cycles in exits',
      dirtyPages: 'Dirty pages',
      wall: 'Running for'
    },
    waitingForStats: 'Waiting for the first statistics from the host (an idle guest sends them when it wakes up).',
    notRunning: 'The VM is not running. Start it to see live statistics.'
  }
}
