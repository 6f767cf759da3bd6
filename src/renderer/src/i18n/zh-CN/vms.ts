export default {
  vms: {
    title: '虚拟机',
    empty: '还没有虚拟机。创建一台，在 VMM 引擎上启动客户机内核。',
    newVm: '新建虚拟机',
    columns: { name: '名称', boot: '启动', state: '状态', host: '主机', memory: '内存', vcpus: 'vCPU', mode: '虚拟化方式', nic: '网卡', vtpm: 'vTPM', actions: '操作' },
    state: { stopped: '已停止', running: '运行中', paused: '已暂停', halted: '已关机', crashed: '已崩溃' },
    mode: { 'trap-and-emulate': '陷入并模拟', 'hardware-assisted': '硬件辅助 (EPT)' },
    modeHelp: {
      'trap-and-emulate': '客户机内核以降低的特权级运行；每条特权指令都陷入 VMM，页表由影子页表实现。VM 退出很多。',
      'hardware-assisted': '客户机内核在虚拟监管态下运行并使用自己的页表；第二级页表 (EPT) 翻译客户机物理内存。VM 退出很少。'
    },
    nic: { none: '无', emulated: '模拟网卡', virtio: 'virtio-net', 'sriov-vf': 'SR-IOV VF', 'vf-failover': 'VF + virtio 故障转移' },
    nicHelp: {
      none: '没有网络设备。',
      emulated: '每次寄存器访问都是一次由设备模型处理的 VM 退出：慢，但可以迁移到任何主机。',
      virtio: '半虚拟化环形队列位于客户机内存中，退出很少：快且可迁移。',
      'sriov-vf': '直通主机网卡的虚拟功能（需要 IOMMU）：最快，但虚拟机无法迁移。',
      'vf-failover': 'VF 与 virtio 备用网卡配对：快，迁移时拔出 VF。'
    },
    actions: { start: '启动', pause: '暂停', resume: '继续', stop: '停止', delete: '删除', open: '打开', edit: '修改' },
    boot: {
      kind: { shell: '仅命令行', web: 'Web 服务器', dirty: '内存写脏程序', cpu: 'CPU 负载', selftest: '自检' },
      help: {
        shell: '直接启动到 wb$ 提示符；在控制台中输入命令。',
        web: '在虚拟机网卡上应答请求帧（负载客户端和迁移会用到）；需要网卡。',
        dirty: '以固定速率反复写一组工作集页面：热迁移必须跟上的内存负载。',
        cpu: '按给定次数运行算术循环并打印校验和，然后进入命令行。',
        selftest: '四个由定时器抢占的进程（素数、Collatz、CRC-32、排序），然后进入命令行。'
      },
      summary: {
        shell: '仅命令行',
        web: 'Web 服务器',
        dirty: '内存写脏，{pages} 页（{size}），每秒 {rate} 页',
        dirtyFlat: '内存写脏，{pages} 页（{size}），全速',
        dirtySpin: '，忙等待',
        cpu: 'CPU 负载，{iters} 次迭代',
        selftest: '自检'
      },
      pages: '工作集（4 KiB 页数）',
      pagesHelp: '= {size}；{memory} MiB 内存最多容纳 {max} 页。',
      rate: '速率（页/秒，0 = 尽可能快）',
      spin: '两次写之间忙等待（vCPU 从不空闲）',
      iters: '迭代次数',
      webNoNic: '这台虚拟机没有网卡：Web 服务器会提示“网络设备不存在”并退出。',
      label: '启动',
      labelValue: '启动：{value}',
      cmdline: '内核命令行',
      cmdlineNote: '（VMM 会追加 net= 和 mem=）',
      edit: '修改启动项',
      editTitle: '“{name}”启动时运行什么',
      editHint: '下次启动时生效。',
      save: '保存'
    },
    confirmStop: {
      title: '停止“{name}”？',
      body: '客户机将立即断电，如同拔掉电源。客户机内未保存的内容都会丢失。'
    },
    confirmDelete: {
      title: '删除“{name}”？',
      body: '虚拟机定义将被删除。运行中的虚拟机会先被停止。此操作无法撤销。'
    },
    halt: { poweroff: '已关机（退出码 {code}）', crash: '被 VMM 停止：{reason}' },
    wizard: {
      title: '创建虚拟机',
      steps: { basics: '基本信息', platform: '平台', devices: '设备', review: '确认' },
      name: '名称',
      namePlaceholder: '例如 lab-vm-1',
      memory: '内存 (MiB)',
      vcpus: 'vCPU 数',
      vcpusNote: '教学内核是单处理器内核：只有一个 vCPU。',
      image: '客户机镜像',
      noImages: '在 resources/guest 中没有找到客户机镜像。',
      host: '主机',
      hostCaps: '{cores} 核 · {memory} MiB · IOMMU {iommu} · {vfs} 个 SR-IOV VF',
      mode: '虚拟化方式',
      nic: '网络接口',
      vtpm: '虚拟 TPM',
      vtpmHelp: '添加带度量启动的 TPM 2.0，用于远程证明。',
      review: '检查设置后创建虚拟机。新虚拟机处于停止状态。',
      created: '虚拟机“{name}”已创建。'
    }
  },
  errors: {
    VM_VCPUS_UNIPROCESSOR: '客户机内核是单处理器内核：虚拟机只能有 {max} 个 vCPU（请求了 {vcpus} 个）。',
    VM_BOOT_DIRTY_PAGES: '工作集必须是 1 到 262144 之间的整数页。',
    VM_BOOT_DIRTY_RATE: '速率必须是每秒 0 到 1000000 之间的整数页。',
    VM_BOOT_DIRTY_FIT: '{pages} 页的工作集放不进 {memoryMiB} MiB 内存；最多 {max} 页。',
    VM_BOOT_CPU_ITERS: '迭代次数必须是 1 到 1000000000 之间的整数。'
  },
  detail: {
    back: '所有虚拟机',
    console: '串口控制台',
    consoleHint: '点击控制台后输入：按键会发送到客户机的 UART。',
    consoleStopped: '虚拟机未运行：这是它最后的输出。启动后才能再次输入。',
    charts: {
      ips: '每秒指令数',
      exits: '按原因分类的每秒 VM 退出',
      dirty: '每秒脏页数',
      axisTime: '运行时间（秒）',
      axisIps: '指令/秒',
      axisExits: '退出/秒',
      axisDirty: '页/秒'
    },
    exitsTable: '退出计数',
    exitReason: {
      sbi: 'SBI 调用',
      'privileged-insn': '模拟特权指令',
      'shadow-page-fault': '填充影子页表',
      'pt-write': '客户机写页表',
      'guest-page-fault-injected': '向客户机注入缺页异常',
      'ept-violation': 'EPT 违例',
      mmio: '设备寄存器访问 (MMIO)',
      wfi: '空闲等待 (WFI)',
      timer: '定时器中断',
      'external-irq': '外部中断',
      'dirty-log': '脏页记录故障',
      'trap-reflected': '转交客户机处理的陷阱'
    },
    reason: '原因',
    count: '次数',
    rate: '每秒',
    total: '合计',
    summary: {
      mode: '虚拟化方式',
      instructions: '指令数',
      virtualTime: '虚拟时间',
      exitCycles: '退出消耗的周期',
      dirtyPages: '脏页',
      wall: '已运行',
      clock: '虚拟时间 ÷ 实际时间',
      clockHelp: '在此主机上每经过一秒实际时间，客户机所经历的虚拟时间。空闲的客户机跟随实际时间（1.00）；繁忙的客户机会落后（模拟比名义上 1 GHz 的 vCPU 慢）。'
    },
    waitingForStats: '正在等待主机发来的第一批统计数据（空闲的客户机会在被唤醒时发送）。',
    notRunning: '虚拟机未运行。启动后可查看实时统计。'
  }
}
