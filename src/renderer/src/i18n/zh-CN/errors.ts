// 应用、主机、虚拟机和引擎错误码的消息（src/shared/errors.ts）。
export default {
  errors: {
    PROTOCOL_MALFORMED: '无法理解该请求（{detail}）。',
    COMMAND_UNKNOWN: '未知命令“{command}”。',
    REQUEST_INVALID: '{field}：{reason}',
    INTERNAL_ERROR: '工作台服务内部出错，详情见其日志。',
    CONNECTION_LOST: '在服务应答之前与工作台服务的连接已断开，请重试。',
    HOST_NOT_FOUND: '不存在主机“{id}”。',
    HOST_OUT_OF_MEMORY: '主机 {host} 没有 {requested} MiB 可用内存（可用：{free} MiB）。',
    HOST_NO_IOMMU: '主机 {host} 没有 IOMMU，无法把设备直通给虚拟机。',
    HOST_NO_FREE_VF: '主机 {host} 的全部 {vfs} 个 SR-IOV 虚拟功能都已分配。',
    HOST_WORKER_FAILED: '主机 {host} 的工作线程已停止（{detail}），其上的虚拟机已停止。',
    VM_NOT_FOUND: '不存在虚拟机“{id}”。',
    VM_NAME_TAKEN: '已存在名为“{name}”的虚拟机。',
    VM_BAD_STATE: '虚拟机处于 {state} 状态，无法执行 {action}。',
    VM_IMAGE_NOT_FOUND: '找不到客户机镜像“{image}”。',
    VM_NAME_REQUIRED: '请输入名称。',
    VM_NAME_TOO_LONG: '名称最多 40 个字符。',
    VM_NAME_FORMAT: '以字母或数字开头，之后可使用字母、数字、空格、点、短横线或下划线。',
    VM_MEMORY_RANGE: '内存必须是 16 到 1024 之间的整数 (MiB)。',
    VM_VCPUS_RANGE: 'vCPU 数必须是 1 到 8 之间的整数。',
    VM_VCPUS_OVER_HOST: '主机 {host} 只有 {cores} 个核心。',
    VM_IMAGE_REQUIRED: '请选择客户机镜像。',
    ID_FORMAT: '不是有效的标识符。',
    BASE64_FORMAT: '不是有效的 base64 数据。',
    GUEST_TRIPLE_FAULT: '客户机在自己的陷阱处理程序中再次出错',
    GUEST_ILLEGAL_STORM: '客户机反复执行非法指令',
    GUEST_WILD_MMIO: '客户机访问了不存在的设备地址',
    ELF_BAD_MAGIC: '客户机镜像不是 ELF 文件。',
    ENGINE_UNAVAILABLE: '此版本中没有可用的 VMM 引擎。',
    unknown: '错误 {code}。'
  }
}
