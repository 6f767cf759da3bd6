// Messages for the error codes of the app, hosts, VMs and the engine (src/shared/errors.ts). Feature
// catalogues add their own codes under `errors` in their own file (i18n/en/<feature>.ts).
export default {
  errors: {
    PROTOCOL_MALFORMED: 'The request could not be understood ({detail}).',
    COMMAND_UNKNOWN: 'Unknown command “{command}”.',
    REQUEST_INVALID: '{field}: {reason}',
    INTERNAL_ERROR: 'Something went wrong inside the workbench service. The details are in its log.',
    CONNECTION_LOST: 'The connection to the workbench service was lost before it answered. Try again.',
    HOST_NOT_FOUND: 'There is no host “{id}”.',
    HOST_OUT_OF_MEMORY: 'Host {host} does not have {requested} MiB free (free: {free} MiB).',
    HOST_NO_IOMMU: 'Host {host} has no IOMMU, so it cannot pass a device through to a VM.',
    HOST_NO_FREE_VF: 'All {vfs} SR-IOV virtual functions of host {host} are already assigned.',
    HOST_WORKER_FAILED: 'The worker thread of host {host} stopped ({detail}). Its VMs were stopped.',
    VM_NOT_FOUND: 'There is no VM “{id}”.',
    VM_NAME_TAKEN: 'A VM named “{name}” already exists.',
    VM_BAD_STATE: 'Cannot {action} the VM while it is {state}.',
    VM_IMAGE_NOT_FOUND: 'The guest image “{image}” was not found.',
    VM_NAME_REQUIRED: 'Enter a name.',
    VM_NAME_TOO_LONG: 'Use at most 40 characters.',
    VM_NAME_FORMAT: 'Start with a letter or digit; then use letters, digits, spaces, dots, dashes or underscores.',
    VM_MEMORY_RANGE: 'Memory must be a whole number from 16 to 1024 MiB.',
    VM_VCPUS_RANGE: 'vCPUs must be a whole number from 1 to 8.',
    VM_VCPUS_OVER_HOST: 'Host {host} has only {cores} cores.',
    VM_IMAGE_REQUIRED: 'Choose a guest image.',
    ID_FORMAT: 'Not a valid identifier.',
    BASE64_FORMAT: 'Not valid base64 data.',
    GUEST_TRIPLE_FAULT: 'the guest faulted inside its own trap handler',
    GUEST_ILLEGAL_STORM: 'the guest executed illegal instructions in a loop',
    GUEST_WILD_MMIO: 'the guest accessed a device address that does not exist',
    ELF_BAD_MAGIC: 'The guest image is not an ELF file.',
    ENGINE_UNAVAILABLE: 'The VMM engine is not available in this build.',
    unknown: 'Error {code}.'
  }
}
