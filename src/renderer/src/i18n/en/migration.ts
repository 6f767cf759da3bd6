// Live migration: the Migrate dialog, the progress view, the history, and the migration error codes.
export default {
  nav: { migrations: 'Migration' },
  migration: {
    title: 'Live migration',
    intro: 'Move a running VM to another host while its guest keeps executing. Times are virtual (the link model), so results do not depend on how fast this computer is.',
    migrate: 'Migrate…',
    noVms: 'No running VM to migrate. Start a VM first.',
    history: 'History',
    noHistory: 'No migrations yet.',
    exportCsv: 'Export CSV',
    exportJson: 'Export JSON',
    cancel: 'Cancel migration',
    dropLink: 'Drop the link',
    dropLinkHelp: 'Simulate a network failure now. In pre-copy the VM keeps running on the source; after a post-copy switchover it is lost.',
    dialog: {
      title: 'Migrate “{name}”',
      vm: 'VM',
      from: 'From',
      target: 'Target host',
      mode: 'Mode',
      precopy: 'Pre-copy',
      precopyHelp: 'Copy memory in rounds while the guest runs, then pause briefly to send the rest. Can be cancelled at any time before the switch.',
      postcopy: 'Post-copy',
      postcopyHelp: 'Switch at once; the destination fetches memory pages on demand while the rest is pushed in the background.',
      postcopyWarning: 'Post-copy cannot fall back: once the guest runs on the target, a link failure loses the VM (as in QEMU).',
      parameters: 'Parameters',
      advanced: 'Advanced',
      defaultIs: 'default {value}',
      reset: 'Reset to defaults',
      start: 'Start migration',
      refused: 'This migration would be refused:',
      checking: 'Checking…'
    },
    params: {
      'max-bandwidth': { label: 'max-bandwidth (MiB/s)', help: 'Link speed for migration traffic. QEMU’s default is 128 MiB/s; 1 Gbit/s is about 119 MiB/s.' },
      'downtime-limit': { label: 'downtime-limit (ms)', help: 'Longest pause allowed at the switch. Pre-copy switches once the remaining dirty memory can be sent within it.' },
      'auto-converge': { label: 'auto-converge', help: 'Slow the vCPU down when the guest dirties memory faster than the link sends it.' },
      'cpu-throttle-initial': { label: 'cpu-throttle-initial (%)', help: 'First throttle step.' },
      'cpu-throttle-increment': { label: 'cpu-throttle-increment (%)', help: 'Added at every further step.' },
      'max-cpu-throttle': { label: 'max-cpu-throttle (%)', help: 'The highest throttle.' },
      'throttle-trigger-threshold': { label: 'throttle-trigger-threshold (%)', help: 'Throttle when the bytes dirtied in a period exceed this share of the bytes sent (twice in a row).' },
      xbzrle: { label: 'xbzrle', help: 'Send re-dirtied pages as deltas against the copy sent before.' },
      'xbzrle-cache-size': { label: 'xbzrle-cache-size (MiB)', help: 'Memory kept for copies of pages already sent.' },
      'postcopy-ram': { label: 'postcopy-ram', help: 'Post-copy mode.' },
      'max-rounds': { label: 'max-rounds', help: 'Stop iterating after this many rounds and pause anyway (Xen used 30). Not used with auto-converge.' },
      'max-total-factor': { label: 'max-total-factor (× RAM)', help: 'Stop iterating once this multiple of RAM was sent (Xen used 3). Not used with auto-converge.' },
      'link-latency': { label: 'link-latency (µs)', help: 'One-way delay of the link.' }
    },
    status: {
      setup: 'Setting up',
      active: 'Active (pre-copy)',
      'postcopy-active': 'Post-copy active',
      completed: 'Completed',
      failed: 'Failed',
      cancelled: 'Cancelled'
    },
    destination: {
      pending: 'waiting',
      accepted: 'receiving',
      postcopy: 'running, pages arriving',
      resumed: 'running',
      refused: 'refused',
      discarded: 'copy discarded',
      failed: 'VM lost'
    },
    switchover: {
      converged: 'converged (remaining fit the downtime limit)',
      'round-limit': 'round limit reached (forced pause)',
      'total-limit': 'total-sent limit reached (forced pause)',
      postcopy: 'post-copy'
    },
    stats: {
      title: 'Statistics (QEMU query-migrate names)',
      progress: 'Progress',
      remaining: 'remaining',
      transferred: 'transferred'
    },
    rounds: { title: 'Rounds: pages sent vs dirtied meanwhile', sent: 'pages sent', dirtied: 'pages dirtied', round: 'round {n}' },
    latency: {
      title: 'Client latency',
      pending: 'No client latency samples for this migration: the load generator talks to a guest serving the web workload on a virtio NIC.',
      series: 'request latency',
      axisTime: 'request sent (virtual ms since the start)',
      axisLatency: 'latency (ms)',
      summary: '{n} requests · worst latency {worst} ms · reported downtime {downtime} ms'
    },
    columns: { id: 'Migration', vm: 'VM', route: 'Route', status: 'Status', downtime: 'Downtime', total: 'Total time', transferred: 'Transferred' }
  },
  errors: {
    MIGRATION_BAD_PARAMETER: 'Migration parameter {name} is out of range ({value}).',
    MIGRATION_ALREADY_STARTED: 'This migration has already started.',
    MIGRATION_BLOCKED: 'This VM cannot be migrated ({reasons}).',
    MIGRATION_BLOCKED_PASSTHROUGH: 'Device {device} ({kind}) is passed through from the host’s hardware, so its state cannot move. Use a virtio NIC or VF + virtio failover.',
    MIGRATION_REFUSED: 'The destination refused the migration ({reasons}).',
    MIGRATION_SAME_HOST: 'The VM already runs on {host}. Choose another host.',
    MIGRATION_DEST_NO_MEMORY: 'Host {host} has {available} bytes free; the VM needs {needed}.',
    MIGRATION_DEST_LACKS_CAPABILITY: 'Host {host} does not offer {capability}, which this VM uses.',
    MIGRATION_CANCELLED: 'The migration was cancelled. The VM keeps running on the source host.',
    MIGRATION_LINK_DOWN: 'The migration link dropped. The VM keeps running on the source host.',
    MIGRATION_POSTCOPY_LINK_LOST: 'The link dropped during post-copy: the VM’s memory was split between the hosts and the VM is lost.',
    MIGRATION_VERIFY_FAILED: 'The destination’s copy did not match the source at the pause. The VM stays on the source host.',
    MIGRATION_PROTOCOL: 'The migration stream was malformed.',
    MIGRATION_INTERNAL: 'The migration failed inside the engine ({message}).',
    MIGRATION_NOT_FOUND: 'There is no migration “{id}”.',
    MIGRATION_VM_NOT_RUNNING: 'Only a running VM can be migrated (this one is {state}).',
    MIGRATION_IN_PROGRESS: 'This VM is already migrating ({id}).',
    MIGRATION_NO_OTHER_HOST: 'There is no other host to move to ({host} is the only one). Add a host first.',
    MIGRATION_FINISHED: 'Migration {id} has already finished.'
  }
}
