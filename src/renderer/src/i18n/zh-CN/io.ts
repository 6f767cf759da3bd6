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
      hint: '同一个客户机程序把 {values} 个值交给设备两次。A 把每个值写入一个会陷入的设备寄存器：每次写入都是一次 VM 退出。B 写入直接映射进客户机的页面，设备每个轮询周期读取一次：只有轮询时才退出。每次运行都在引擎上执行真实的客户机代码，需要几秒钟的实际时间。',
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
      chartAxis: '帧/秒（虚拟时间，对数刻度）',
      hint: '一个客户机依次通过每条网卡路径发送帧和 ping：模拟网卡（每次寄存器访问都会退出）、virtio-net（环形队列在客户机内存中，每批一次通知）和 SR-IOV 虚拟功能（无退出，使用投递中断）。',
      paths: { emulated: '模拟网卡', virtio: 'virtio-net', 'sriov-vf': 'SR-IOV VF' }
    },
    plan: {
      intro: '这是“主机”页面上的集群，连同您的虚拟机和假设虚拟机：对每种网卡选择，每台虚拟机可以在哪些主机上运行、可以从所在主机热迁移到哪里。判定规则与实际启动或迁移时相同。没有 IOMMU 的主机无法提供 VF，持有普通 VF 的虚拟机无法迁移。',
      loadPreset: '将教学实验室预设载入“主机”',
      presetLoaded: '主机已替换为教学实验室（{names}）；其六台示例虚拟机已作为假设虚拟机加入。',
      csv: '导出 CSV',
      hostsLabel: '主机',
      iommuYes: '有 IOMMU',
      iommuNo: '无 IOMMU',
      vfsUsed: 'VF {used}/{total}',
      memoryUsed: '已用 {used}/{total} MiB',
      coresN: '{n} 个核心',
      empty: '还没有虚拟机。创建虚拟机，或在下方添加假设虚拟机，即可查看它们能去哪里。',
      vm: '虚拟机',
      vmLine: '位于 {host} · {state} · {memory} MiB · {vcpus} 个 vCPU',
      nicNow: '当前网卡：{nic}',
      kind: {
        anywhere: '可迁移到任何主机（{ok}/{total}）',
        some: '可迁移到 {total} 台中的 {ok} 台',
        pinned: '被固定：无处可迁',
        unavailable: '在所在主机上不可用'
      },
      mark: {
        here: '{host}：所在主机，可使用此网卡运行',
        'here-no': '{host}：所在主机，但此处无法提供此网卡',
        move: '{host}：可热迁移到此',
        start: '{host}：可在此启动，但无法热迁移到此',
        no: '{host}：既不能在此运行也不能迁移到此'
      },
      legend: {
        move: '可热迁移',
        here: '所在主机',
        start: '仅可启动',
        no: '不可',
        hint: '将鼠标悬停在主机上或用 Tab 键聚焦即可查看原因。'
      },
      summary: {
        lead: '使用 {nic} 时，',
        nic: { emulated: '模拟网卡', virtio: 'virtio', 'sriov-vf': 'SR-IOV VF', 'vf-failover': 'VF + virtio 故障切换' },
        all: '每台虚拟机都能迁移到任何主机（{n}/{n}）',
        anywhere: '{total} 台中有 {n} 台能迁移到任何主机',
        some: '{n} 台能迁移到部分主机',
        pinned: '{total} 台中有 {n} 台被固定',
        unavailable: '{n} 台在所在主机上无法使用它',
        sep: '，'
      },
      whatIf: {
        title: '假设虚拟机（不创建，仅用于规划）',
        name: '名称',
        host: '所在主机',
        vcpus: 'vCPU 数',
        memory: '内存（MiB）',
        add: '添加假设虚拟机',
        remove: '移除假设虚拟机 {name}',
        tag: '假设',
        defaultName: '假设-{n}'
      },
      explain: '各选择的代价',
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
    IO_NO_NIC: '虚拟机 {id} 在此主机上没有网卡。',
    IOLAB_BAD_PARAM: '实验参数 {name} 无效（{value}）。',
    IOLAB_GUEST_FAILED: '实验客户机未能完成（{halt}）。',
    IOLAB_SYMBOL_MISSING: '实验客户机映像缺少符号 {symbol}。',
    IOLAB_IMAGE_MISSING: '找不到实验客户机映像 {image}。',
    VMM_DIRECT_MAP_UNSUPPORTED: '设备直通映射需要硬件辅助模式（当前虚拟机：{mode}）。'
  }
}
