export default {
  hosts: {
    title: '主机',
    intro: '模拟主机。每台主机在自己的工作线程中运行其虚拟机，按相等的时间片轮转调度。为实验课调整集群：添加、编辑或删除主机，或载入预设。',
    cores: '核心数',
    memory: '内存',
    memoryUse: '已用 {used} / {total} MiB',
    iommu: 'IOMMU',
    sriov: 'SR-IOV VF',
    vfUse: '已分配 {used} / {total}',
    noSriov: '无 SR-IOV 网卡',
    vfsNeedIommu: '没有 IOMMU：VF 无法直通',
    vms: '虚拟机',
    noVms: '此主机上没有虚拟机。',
    listSep: '、',
    vmLine: '{nic}，{memory} MiB',
    workerState: { idle: '工作线程空闲', running: '工作线程运行中', failed: '工作线程已停止' },
    workerHint: {
      idle: '其工作线程在第一台虚拟机启动时开启。',
      running: '其工作线程按相等的时间片运行虚拟机。',
      failed: '其工作线程意外停止；下一台虚拟机启动时重启。'
    },
    actions: { add: '添加主机', edit: '编辑', remove: '删除', loadLab: '载入教学实验室预设', reset: '恢复默认' },
    form: {
      addTitle: '添加主机',
      editTitle: '编辑主机 {name}',
      name: '名称',
      nameHelp: '字母、数字、点、短横线或下划线；最多 {max} 个字符。',
      cores: '核心数',
      memory: '内存（MiB）',
      memoryHelp: '模拟的预算（{min} 到 {max} MiB）：在此运行的虚拟机合计最多可使用这么多真实内存。',
      iommu: 'IOMMU',
      iommuHelp: '把 SR-IOV 虚拟功能直通给虚拟机时需要。',
      vfs: 'SR-IOV 虚拟功能数',
      vfsHelp: '0 表示没有 SR-IOV 网卡；最多 {max} 个。',
      save: '保存',
      create: '添加主机'
    },
    remove: {
      title: '删除主机 {name}？',
      body: '该主机上没有虚拟机。其工作线程将被关闭。',
      confirm: '删除主机'
    },
    preset: {
      title: { default: '恢复默认主机？', 'teaching-lab': '载入教学实验室预设？' },
      about: {
        default: '两台主机：host-a 有 IOMMU 和 4 个 VF，host-b 两者都没有。',
        'teaching-lab': '四台实验室主机；其中两台旧机器没有 IOMMU，其上的虚拟机无法使用 SR-IOV。I/O 页面的规划器显示哪些虚拟机可以迁移到哪里。'
      },
      removed: '移除：{names}。',
      added: '新增：{names}。',
      kept: '重新定义：{names}。',
      confirm: '替换主机'
    },
    orphans: {
      title: '没有主机的虚拟机',
      body: '这些虚拟机所属的主机已不存在（主机文件无法读取，已被重置）。添加一台同名主机即可让它们回来，或者删除它们。',
      on: '位于 {host}'
    },
    notice: {
      added: '已添加主机 {name}。',
      saved: '已保存主机 {name}。',
      removed: '已删除主机 {name}。',
      loaded: '当前主机：{names}。'
    }
  },
  errors: {
    HOST_NAME_REQUIRED: '请输入主机名称。',
    HOST_NAME_TOO_LONG: '最多使用 32 个字符。',
    HOST_NAME_FORMAT: '以字母或数字开头；其后可用字母、数字、点、短横线或下划线。',
    HOST_CORES_RANGE: '核心数必须是 1 到 64 之间的整数。',
    HOST_MEMORY_RANGE: '内存必须是 64 到 65536 MiB 之间的整数。',
    HOST_VFS_RANGE: '虚拟功能数必须是 0 到 64 之间的整数。',
    HOST_NAME_TAKEN: '名为“{name}”的主机已存在。',
    HOST_TOO_MANY: '集群已有 {max} 台主机，这是工作台支持的上限。请先删除一台。',
    HOST_HAS_VMS: '主机 {host} 上仍有 {count} 台虚拟机。请先删除或迁移它们。',
    HOST_LAST: '主机 {host} 是最后一台主机；工作台至少需要一台。',
    HOST_MEMORY_IN_USE: '主机 {host} 的内存不能减到 {requested} MiB：其上运行的虚拟机使用了 {used} MiB。',
    HOST_MEMORY_BELOW_VM: '主机 {host} 的内存不能减到 {requested} MiB：虚拟机 {vm} 单独就需要 {memory} MiB。',
    HOST_CORES_BELOW_VM: '主机 {host} 不能只有 {requested} 个核心：虚拟机 {vm} 有 {vcpus} 个 vCPU。',
    HOST_VFS_IN_USE: '主机 {host} 不能只提供 {requested} 个虚拟功能：已有 {used} 个分配给虚拟机。',
    HOST_IOMMU_IN_USE: '主机 {host} 必须保留 IOMMU：有 {used} 台虚拟机通过它使用 SR-IOV 虚拟功能。',
    HOST_CAPS_IN_USE: '更改主机 {host} 的 IOMMU 或 SR-IOV 网卡前，请先停止其上运行的 {count} 台虚拟机：其工作线程在启动时建立主机网络。',
    HOST_MIGRATION_TARGET: '虚拟机 {vm} 正在迁移到主机 {host}；请等迁移结束。',
    HOST_PRESET_BLOCKED: '主机 {host} 将被移除，但其上有 {count} 台虚拟机。请先删除或迁移它们。'
  }
}
