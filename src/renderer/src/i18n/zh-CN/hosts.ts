export default {
  hosts: {
    title: '主机',
    intro: '模拟主机。每台主机在自己的工作线程中运行其虚拟机，按相等的时间片轮转调度。',
    cores: '核心数',
    memory: '内存',
    memoryUse: '已用 {used} / {total} MiB',
    iommu: 'IOMMU',
    sriov: 'SR-IOV VF',
    vfUse: '已分配 {used} / {total}',
    vms: '虚拟机',
    worker: '工作线程',
    online: '运行中',
    offline: '空闲（第一台虚拟机启动时开启）'
  }
}
