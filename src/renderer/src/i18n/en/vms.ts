export default {
  vms: {
    title: 'Virtual machines',
    empty: 'No virtual machines yet. Create one to boot a guest kernel on the VMM engine.',
    newVm: 'New VM',
    columns: { name: 'Name', boot: 'Boot', state: 'State', host: 'Host', memory: 'Memory', vcpus: 'vCPUs', mode: 'Virtualization', nic: 'NIC', vtpm: 'vTPM', actions: 'Actions' },
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
    actions: { start: 'Start', pause: 'Pause', resume: 'Resume', stop: 'Stop', delete: 'Delete', open: 'Open', edit: 'edit' },
    boot: {
      kind: { shell: 'Shell only', web: 'Web server', dirty: 'Memory dirtier', cpu: 'CPU workload', selftest: 'Self-test' },
      help: {
        shell: 'Boots straight to the wb$ prompt; type commands on the console.',
        web: 'Answers request frames on the VM’s NIC (the load client and migrations use it); needs a NIC.',
        dirty: 'Rewrites a working set of pages at a fixed rate: the memory load live migration must keep up with.',
        cpu: 'Runs an arithmetic loop for the given iterations and prints its checksum, then the shell.',
        selftest: 'Four processes (primes, Collatz, CRC-32, sort) preempted by the timer, then the shell.'
      },
      summary: {
        shell: 'shell only',
        web: 'web server',
        dirty: 'memory dirtier, {pages} pages ({size}) at {rate} pages/s',
        dirtyFlat: 'memory dirtier, {pages} pages ({size}), flat out',
        dirtySpin: ', busy-waiting',
        cpu: 'CPU workload, {iters} iterations',
        selftest: 'self-test'
      },
      pages: 'Working set (pages of 4 KiB)',
      pagesHelp: '= {size}; at most {max} pages fit in {memory} MiB.',
      rate: 'Rate (pages/s, 0 = as fast as possible)',
      spin: 'Busy-wait between writes (the vCPU never idles)',
      iters: 'Iterations',
      webNoNic: 'This VM has no NIC: the web server will say “network device not present” and exit.',
      label: 'Boot',
      labelValue: 'Boot: {value}',
      cmdline: 'Kernel command line',
      cmdlineNote: '(the VMM adds net= and mem=)',
      edit: 'Change boot',
      editTitle: 'What “{name}” runs at boot',
      editHint: 'Takes effect at the next start.',
      save: 'Save'
    },
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
      vcpusNote: 'The teaching kernel is uniprocessor: one vCPU.',
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
  errors: {
    VM_VCPUS_UNIPROCESSOR: 'The guest kernel is uniprocessor: a VM has {max} vCPU (asked for {vcpus}).',
    VM_BOOT_DIRTY_PAGES: 'The working set must be a whole number of pages from 1 to 262144.',
    VM_BOOT_DIRTY_RATE: 'The rate must be a whole number of pages per second from 0 to 1000000.',
    VM_BOOT_DIRTY_FIT: 'A working set of {pages} pages does not fit in {memoryMiB} MiB; at most {max} pages.',
    VM_BOOT_CPU_ITERS: 'Iterations must be a whole number from 1 to 1000000000.'
  },
  detail: {
    back: 'All VMs',
    console: 'Serial console',
    consoleHint: "Click the console and type: keys go to the guest's UART.",
    consoleStopped: 'The VM is not running: this is its last output. Start it to type again.',
    charts: {
      ips: 'Instructions / s',
      exits: 'VM exits / s by reason',
      dirty: 'Dirty pages / s',
      axisTime: 'time running (s)',
      axisIps: 'instructions/s',
      axisExits: 'exits/s',
      axisDirty: 'pages/s'
    },
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
      wall: 'Running for',
      clock: 'Virtual ÷ wall time',
      clockHelp: 'Virtual time the guest saw per second of real time on this host. An idle guest follows real time (1.00); a busy one lags (the simulation runs slower than the nominal 1 GHz vCPU).'
    },
    waitingForStats: 'Waiting for the first statistics from the host (an idle guest sends them when it wakes up).',
    notRunning: 'The VM is not running. Start it to see live statistics.'
  }
}
