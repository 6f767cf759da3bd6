// Isolation lab page (issue 8) and its error codes (src/shared/contract/isolation.ts).
export default {
  nav: { isolation: 'Isolation lab' },
  isolation: {
    title: 'Isolation lab: containers vs VMs',
    intro: 'An attacker tenant fuzzes its entry points on the real guest kernel and tries to read the victim’s secret. Flaws are switched on per trial by a seeded flaw model; an escape counts only when the planted secret appears in the attacker’s output.',
    configs: { containers: 'Two containers, one kernel', 'containers-filtered': 'Two containers + syscall filter', vms: 'Two VMs, one host' },
    params: {
      title: 'Experiment',
      configs: 'Configurations',
      pKernel: 'P(kernel entry point flawed: klog_read)',
      pVmm: 'P(VMM entry point flawed: virtio-mmio handler)',
      trials: 'Trials per configuration',
      seed: 'Seed',
      tries: 'Attacker tries (containers)',
      vmTries: 'Attacker tries (attacker VM)'
    },
    run: 'Run',
    emptyHint: 'No results yet. Choose the configurations and press Run: each trial boots real tenant VMs on the engine (a few seconds each); the table, charts and a replay of one escape appear here.',
    cancel: 'Cancel',
    progress: '{done} of {total} trials',
    export: { csv: 'Export CSV', json: 'Export JSON' },
    table: {
      config: 'Configuration',
      escapes: 'Escapes',
      rate: 'Escape rate',
      wilson: '95% Wilson interval',
      predicted: 'Predicted by flaw model',
      tries: 'Tries to escape (median)',
      virtual: 'Virtual time to escape (median)',
      boundary: 'Boundary',
      surface: 'Attack surface at the boundary',
      surfaceKernel: '{n} of {of} system calls',
      surfaceVmm: '{exits} exit reasons + {regs} device registers'
    },
    boundary: { kernel: 'shared kernel', vmm: 'VMM' },
    chart: { rateAxis: 'escape rate (%)', rate: 'Escape rate (bars: 95% Wilson interval)', time: 'Time to escape (each escaped trial)', tries: 'tries', virtualMs: 'virtual ms' },
    why: {
      title: 'Why the numbers differ',
      text: 'Containers share one kernel: a single missing bounds check in a system call they can both reach (klog_read) lets the attacker read the victim’s file, so containers escape about as often as the kernel flaw is drawn. The system call filter removes klog_read from the attacker’s reach: the flaw is still there but not an entry point. A VM has its own kernel: the same kernel flaw only reads the attacker’s own memory. To cross between VMs the attacker needs a flaw in the VMM itself, here a device handler that does not check a register offset and walks on through host memory into the other VM’s RAM.'
    },
    replay: {
      title: 'Replay an escape',
      pick: 'Escape',
      none: 'No escape in this run.',
      next: 'Next step',
      prev: 'Previous step',
      step: 'Step {n} of {of}',
      layout: 'Host memory: {regions}',
      planted: 'The engine planted the secret in {region} at guest-physical {gpa} (host address {host}).',
      attackerKernel: 'The attacker fuzzed the shared kernel’s system calls; its output: “{line}”.',
      flawKernel: 'klog_read (system call 1012) checked the offset but not the length: the read ran on from the kernel log into the file table, where the victim’s file lives.',
      attackerVm: 'The attacker VM read device registers every 16th try; its output: “{line}”.',
      visit: 'Device page read {visit}: slot {slot} (attacker address {page}), {reads} reads → host {from}–{to}: {regions}',
      visitEmpty: 'Device page read {visit}: slot {slot} (attacker address {page}), {reads} reads: an empty slot’s registers, nothing outside the attacker VM.',
      firstCrossing: 'Read {read}: slot {slot} offset {offset} went past the transport’s config buffer to host {host} ({region}).',
      intoVictim: 'Read {read}: the cursor reached {region} at host {host} = the victim’s guest-physical {gpa}.',
      secretRead: 'Read {read}: slot {slot} offset {offset} → host {host} (victim {gpa}): bytes {bytes} “{ascii}”',
      check: 'The engine found the planted secret in the attacker’s output: escape counted after {tries} tries, {ms} ms of virtual time.'
    }
  },
  errors: {
    ISOLATION_BAD_PARAM: 'Isolation lab parameter {name} is invalid ({value}).',
    ISOLATION_GUEST_FAILED: 'A tenant VM ({vm}) did not finish its trial ({halt}).',
    ISOLATION_CANCELLED: 'The isolation experiment was cancelled.',
    ISOLATION_BUSY: 'An isolation experiment is already running.',
    ISOLATION_IMAGE_MISSING: 'The guest image {image} was not found.'
  }
}
