// I/O 虚拟化页面（实验与规划器）以及 I/O 错误码（src/shared/contract/io.ts）。
export default {
  nav: { io: 'I/O 实验' },
  io: {
    title: 'I/O 虚拟化实验',
    intro: '客户机程序在引擎上运行，VMM 统计每一次退出。比较会陷入的设备寄存器与直接映射的页面，以及模拟网卡、virtio-net 与 SR-IOV 虚拟功能。',
    mode: '实验虚拟机的虚拟化模式',
    ranIn: '实验虚拟机运行模式：{mode}',
    nicCost: {
      exits: '每个数据包 {n} 次 VM 退出',
      rtt: '往返 {us} µs',
      migratable: { yes: '可热迁移', no: '固定在此主机', 'after-unplug': '拔出 VF 后可迁移' },
      why: {
        yes: '它的全部状态都是 VMM 模拟的设备状态，迁移时随内存一起复制。',
        no: 'VF 的状态位于物理网卡中，VMM 无法读取或复制。',
        'after-unplug': '迁移前先拔出 VF，流量改走 virtio 备用网卡，而 virtio 可以迁移。'
      },
      note: '数据来自在主机 {host} 上以「{mode}」模式在本引擎运行网络实验客户机的实测；故障切换组合在迁移前走 VF。',
      measuring: '正在引擎上测量每种网卡…'
    },
    tabs: { exits: '退出实验', net: '网络路径', plan: '教学实验室规划器' },
    costs: {
      title: '开销参数（虚拟周期，1 周期 = 1 纳秒）',
      vmExit: 'VM 退出 + 进入',
      insnEmulation: '指令模拟',
      userspaceExit: '用户态设备模型往返'
    },
    exits: {
      values: '数值个数',
      work: '每个数值的计算量（轮）',
      poll: '轮询周期（微秒）',
      run: '运行 A 和 B',
      running: '正在运行客户机代码…',
      a: 'A：会陷入的寄存器',
      b: 'B：直接映射页，轮询',
      exits: 'VM 退出次数',
      virtual: '虚拟时间',
      exitTime: '退出所耗主机时间（模型）',
      perSecond: '每虚拟秒退出次数',
      device: '设备收到的数值',
      checksum: '校验和 客户机 / 设备',
      wall: '模拟所用真实时间',
      reduction: '退出次数减少 {x} 倍，虚拟时间减少 {y} 倍'
    },
    net: {
      packets: '帧数',
      pings: 'Ping 次数',
      size: '帧大小（字节）',
      run: '运行全部三条路径',
      running: '正在运行客户机代码…',
      csv: '导出 CSV',
      path: '路径',
      exitsPerPacket: '退出次数 / 帧',
      exitCyclesPerPacket: '退出耗时 / 帧',
      pps: '帧/秒（虚拟）',
      oneWay: '单向延迟',
      exitsPerRtt: '退出次数 / 往返',
      rtt: '往返时间（平均）',
      posted: '投递式中断',
      chart: '每虚拟秒帧数',
      paths: { emulated: '模拟网卡', virtio: 'virtio-net', 'sriov-vf': 'SR-IOV VF' }
    },
    plan: {
      intro: '没有 IOMMU 的主机无法提供 SR-IOV VF，而持有 VF 的虚拟机无法热迁移。因此必须保持可迁移的实验室使用 virtio，或为 VF 配对 virtio 备用网卡。',
      host: '主机',
      iommu: 'IOMMU',
      vfs: 'VF 数',
      cores: '核心',
      memory: '内存',
      vm: '虚拟机',
      nic: '网卡选择',
      moves: '可迁移到',
      nowhere: '无处可去',
      degraded: '{host}（使用 virtio）',
      explain: '各选择的代价',
      yes: '是',
      no: '否',
      exitsPerPacket: { many: '每个包多次退出', batched: '退出经通知抑制而批量化', none: '无退出' },
      interrupts: { injected: '中断由 VMM 注入', 'injected-suppressible': '中断由 VMM 注入，可抑制（EVENT_IDX）', posted: '投递式中断（无退出）' },
      migratable: { yes: '可热迁移', no: '固定在所在主机', 'after-unplug': '拔出 VF 后可迁移' },
      needs: { iommu: '需要 IOMMU', 'sriov-vf': '需要空闲 VF' },
      nics: { emulated: '模拟网卡', virtio: 'virtio', 'sriov-vf': 'SR-IOV VF', 'vf-failover': 'VF + virtio 故障切换' }
    }
  },
  errors: {
    IO_NO_IOMMU: '主机 {host} 没有 IOMMU，无法为虚拟机分配 SR-IOV VF。',
    IO_NO_SRIOV_NIC: '主机 {host} 没有支持 SR-IOV 的网卡。',
    IO_NO_FREE_VF: '主机 {host} 的 {total} 个虚拟功能都已被占用。',
    IO_NO_IOMMU_DOMAIN: '虚拟机 {vm} 没有 IOMMU 域。',
    IO_VF_PINNED: '虚拟机 {vm} 使用 SR-IOV VF，无法热迁移；请为其配对 virtio 备用网卡（故障切换）。',
    IO_HOST_NO_CORES: '主机 {host} 只剩 {free} 个空闲核心。',
    IO_HOST_NO_MEMORY: '主机 {host} 只剩 {freeMiB} MiB 空闲内存。',
    IO_SAME_HOST: '虚拟机已在 {host} 上运行。',
    IO_NO_NIC: '虚拟机 {id} 在此主机上没有网卡。',
    IOLAB_BAD_PARAM: '实验参数 {name} 无效（{value}）。',
    IOLAB_GUEST_FAILED: '实验客户机未能完成（{halt}）。',
    IOLAB_SYMBOL_MISSING: '实验客户机映像缺少符号 {symbol}。',
    IOLAB_IMAGE_MISSING: '找不到实验客户机映像 {image}。',
    VMM_DIRECT_MAP_UNSUPPORTED: '设备直通映射需要硬件辅助模式（当前虚拟机：{mode}）。'
  }
}
