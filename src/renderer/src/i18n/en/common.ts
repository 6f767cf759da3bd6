export default {
  app: { title: 'VMM Workbench', subtitle: 'Virtualization lab' },
  nav: { vms: 'Virtual machines', hosts: 'Hosts', settings: 'Settings' },
  common: {
    cancel: 'Cancel',
    close: 'Close',
    back: 'Back',
    next: 'Next',
    create: 'Create',
    delete: 'Delete',
    yes: 'Yes',
    no: 'No',
    loading: 'Loading…',
    connecting: 'Connecting to the workbench service…',
    disconnected: 'Connection to the workbench service lost. Reconnecting…',
    language: 'Language',
    mib: '{n} MiB',
    none: 'None',
    dismiss: 'Dismiss'
  }
}
