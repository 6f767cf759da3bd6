// I/O virtualization page (labs and planner) and the I/O error codes (src/shared/contract/io.ts).
export default {
  nav: { io: 'I/O lab' },
  io: {
    title: 'I/O virtualization lab',
    intro: 'Guest programs run on the engine and the VMM counts every exit. Compare a trapping device register with a directly mapped page, and an emulated NIC with virtio-net and an SR-IOV virtual function.',
    mode: 'Virtualization mode of the lab VMs',
    ranIn: 'Lab VMs ran in: {mode}',
    nicCost: {
      exits: '{n} exits per packet',
      rtt: 'round trip {us} µs',
      migratable: { yes: 'live-migratable', no: 'pinned to this host', 'after-unplug': 'migratable after unplugging the VF' },
      why: {
        yes: 'Its whole state is device state the VMM emulates, so a migration copies it with the RAM.',
        no: 'The VF’s state lives in the physical NIC, where the VMM cannot read or copy it.',
        'after-unplug': 'The VF is unplugged before the move; traffic continues on the virtio standby, which migrates.'
      },
      note: 'Figures measured on host {host} in {mode} mode by running the network lab’s guest on this engine; a failover pair runs on its VF until it migrates.',
      measuring: 'Measuring each NIC on the engine…'
    },
    tabs: { exits: 'Exit lab', net: 'Network paths', plan: 'Teaching-lab planner' },
    costs: {
      title: 'Cost parameters (virtual cycles, 1 cycle = 1 ns)',
      vmExit: 'VM exit + entry',
      insnEmulation: 'Instruction emulation',
      userspaceExit: 'User-space device model round trip'
    },
    exits: {
      values: 'Values',
      work: 'Work per value (rounds)',
      poll: 'Poll period (µs)',
      run: 'Run A and B',
      hint: 'The same guest program hands {values} values to a device twice. A writes each value to a trapping device register: every write is a VM exit. B writes into a page mapped straight into the guest, which the device polls every poll period: exits only for the polls. Each run executes real guest code on the engine, a few seconds of wall time.',
      running: 'Running guest code…',
      a: 'A: trapping register',
      b: 'B: direct page, polled',
      exits: 'VM exits',
      virtual: 'Virtual time',
      exitTime: 'Host time in exits (modelled)',
      perSecond: 'Exits per virtual second',
      device: 'Values seen by the device',
      checksum: 'Checksum guest / device',
      wall: 'Simulation wall time',
      reduction: '{x}× fewer exits, {y}× less virtual time'
    },
    net: {
      packets: 'Frames',
      pings: 'Pings',
      size: 'Frame size (bytes)',
      run: 'Run all three paths',
      running: 'Running guest code…',
      csv: 'Export CSV',
      path: 'Path',
      exitsPerPacket: 'Exits / frame',
      exitCyclesPerPacket: 'Exit time / frame',
      pps: 'Frames/s (virtual)',
      oneWay: 'One-way latency',
      exitsPerRtt: 'Exits / round trip',
      rtt: 'Round trip (mean)',
      posted: 'Posted interrupts',
      chart: 'Frames per virtual second',
      chartAxis: 'frames/s (virtual, log scale)',
      hint: 'One guest sends the frames and pings over each NIC path in turn: an emulated NIC (every register access exits), virtio-net (rings in guest memory, a notification per batch) and an SR-IOV virtual function (no exits, posted interrupts).',
      paths: { emulated: 'Emulated NIC', virtio: 'virtio-net', 'sriov-vf': 'SR-IOV VF' }
    },
    plan: {
      intro: 'Your cluster as it is on the Hosts page, with your VMs and any what-if VMs: for each NIC choice, where each VM could run and where it could live-migrate from its host. The same rules decide as when you start or migrate it. Hosts without an IOMMU cannot give a VF, and a VM holding a plain VF cannot move.',
      loadPreset: 'Load the teaching-lab preset into the Hosts',
      presetLoaded: 'Hosts replaced by the teaching lab ({names}); its six sample VMs were added as what-if VMs.',
      csv: 'Export CSV',
      hostsLabel: 'Hosts',
      iommuYes: 'IOMMU',
      iommuNo: 'no IOMMU',
      vfsUsed: 'VFs {used}/{total}',
      memoryUsed: '{used}/{total} MiB in use',
      coresN: '{n} cores',
      empty: 'No VMs yet. Create VMs, or add what-if VMs below, to see where they could go.',
      vm: 'VM',
      vmLine: 'on {host} · {state} · {memory} MiB · {vcpus} vCPU',
      nicNow: 'NIC now: {nic}',
      kind: {
        anywhere: 'moves anywhere ({ok}/{total})',
        some: 'moves to {ok} of {total} hosts',
        pinned: 'pinned: moves nowhere',
        unavailable: 'not possible on its host'
      },
      mark: {
        here: '{host}: its host, can run here with this NIC',
        'here-no': '{host}: its host, but it cannot have this NIC here',
        move: '{host}: can live-migrate here',
        start: '{host}: could start here, but cannot live-migrate here',
        no: '{host}: can neither run nor migrate here'
      },
      legend: {
        move: 'live-migrate',
        here: 'its host',
        start: 'start only',
        no: 'no',
        hint: 'Hover or focus (Tab) a host for the reasons.'
      },
      summary: {
        lead: 'with {nic}',
        nic: { emulated: 'the emulated NIC', virtio: 'virtio', 'sriov-vf': 'SR-IOV VFs', 'vf-failover': 'VF + virtio failover' },
        all: 'every VM can move anywhere ({n} of {n})',
        anywhere: '{n} of {total} can move anywhere',
        some: '{n} can move to some hosts',
        pinned: '{n} of {total} are pinned',
        unavailable: '{n} cannot use it on their host',
        sep: ', '
      },
      whatIf: {
        title: 'What-if VMs (not created, only planned)',
        name: 'Name',
        host: 'On host',
        vcpus: 'vCPUs',
        memory: 'Memory (MiB)',
        add: 'Add what-if VM',
        remove: 'Remove what-if VM {name}',
        tag: 'what-if',
        defaultName: 'what-if-{n}'
      },
      explain: 'What each choice costs',
      exitsPerPacket: { many: 'many exits per packet', batched: 'exits batched by notification suppression', none: 'no exits' },
      interrupts: { injected: 'interrupts injected by the VMM', 'injected-suppressible': 'interrupts injected, suppressible (EVENT_IDX)', posted: 'posted interrupts (no exit)' },
      migratable: { yes: 'live-migratable', no: 'pinned to its host', 'after-unplug': 'migratable after unplugging the VF' },
      needs: { iommu: 'needs an IOMMU', 'sriov-vf': 'needs a free VF' },
      nics: { emulated: 'Emulated', virtio: 'virtio', 'sriov-vf': 'SR-IOV VF', 'vf-failover': 'VF + virtio failover' }
    }
  },
  errors: {
    IO_NO_IOMMU: 'Host {host} has no IOMMU, so it cannot give a VM an SR-IOV VF.',
    IO_NO_SRIOV_NIC: 'Host {host} has no SR-IOV network card.',
    IO_NO_FREE_VF: 'All {total} virtual functions of host {host} are in use.',
    IO_NO_IOMMU_DOMAIN: 'VM {vm} has no IOMMU domain.',
    IO_NO_NIC: 'VM {id} has no network card on this host.',
    IOLAB_BAD_PARAM: 'Lab parameter {name} is invalid ({value}).',
    IOLAB_GUEST_FAILED: 'The lab guest did not finish ({halt}).',
    IOLAB_SYMBOL_MISSING: 'The lab guest image lacks the symbol {symbol}.',
    IOLAB_IMAGE_MISSING: 'The lab guest image {image} was not found.',
    VMM_DIRECT_MAP_UNSUPPORTED: 'Direct device mapping needs hardware-assisted mode (this VM: {mode}).'
  }
}
