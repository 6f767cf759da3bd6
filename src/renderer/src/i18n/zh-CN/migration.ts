// 热迁移：迁移对话框、进度视图、历史记录和迁移错误码。
export default {
  nav: { migrations: '迁移' },
  migration: {
    title: '热迁移',
    intro: '在客户机持续运行的同时，把运行中的虚拟机迁移到另一台主机。时间均为虚拟时间（链路模型），结果与本机速度无关。',
    migrate: '迁移…',
    noVms: '没有可迁移的运行中虚拟机。请先启动一台虚拟机。',
    history: '历史记录',
    noHistory: '尚无迁移记录。',
    exportCsv: '导出 CSV',
    exportJson: '导出 JSON',
    cancel: '取消迁移',
    dropLink: '断开链路',
    dropLinkHelp: '立即模拟网络故障。预拷贝阶段虚拟机继续在源主机运行；后拷贝切换之后虚拟机将丢失。',
    dialog: {
      title: '迁移“{name}”',
      vm: '虚拟机',
      from: '源主机',
      target: '目标主机',
      mode: '模式',
      precopy: '预拷贝',
      precopyHelp: '在客户机运行的同时分轮复制内存，最后短暂暂停以发送剩余部分。切换之前随时可以取消。',
      postcopy: '后拷贝',
      postcopyHelp: '立即切换；目标端按需拉取内存页，其余页面在后台推送。',
      postcopyWarning: '后拷贝无法回退：客户机一旦在目标端运行，链路故障就会导致虚拟机丢失（与 QEMU 相同）。',
      parameters: '参数',
      advanced: '高级',
      defaultIs: '默认 {value}',
      reset: '恢复默认值',
      start: '开始迁移',
      refused: '此迁移将被拒绝：',
      checking: '检查中…'
    },
    params: {
      'max-bandwidth': { label: 'max-bandwidth（MiB/s）', help: '迁移流量可用的链路带宽。QEMU 默认 128 MiB/s；1 Gbit/s 约为 119 MiB/s。' },
      'downtime-limit': { label: 'downtime-limit（毫秒）', help: '切换时允许的最长停机时间。当剩余脏页能在此时间内发完时，预拷贝进入切换。' },
      'auto-converge': { label: 'auto-converge', help: '当客户机弄脏内存的速度超过链路发送速度时，降低 vCPU 速度。' },
      'cpu-throttle-initial': { label: 'cpu-throttle-initial（%）', help: '首次限速比例。' },
      'cpu-throttle-increment': { label: 'cpu-throttle-increment（%）', help: '之后每一步增加的限速比例。' },
      'max-cpu-throttle': { label: 'max-cpu-throttle（%）', help: '最高限速比例。' },
      'throttle-trigger-threshold': { label: 'throttle-trigger-threshold（%）', help: '一个周期内弄脏的字节连续两次超过已发送字节的此比例时限速。' },
      xbzrle: { label: 'xbzrle', help: '将再次变脏的页面以相对上次发送内容的差量形式发送。' },
      'xbzrle-cache-size': { label: 'xbzrle-cache-size（MiB）', help: '用于保存已发送页面副本的缓存大小。' },
      'postcopy-ram': { label: 'postcopy-ram', help: '后拷贝模式。' },
      'max-rounds': { label: 'max-rounds', help: '迭代达到此轮数后强制暂停（Xen 使用 30）。启用 auto-converge 时不使用。' },
      'max-total-factor': { label: 'max-total-factor（× 内存）', help: '已发送数据达到内存大小的此倍数后强制暂停（Xen 使用 3）。启用 auto-converge 时不使用。' },
      'link-latency': { label: 'link-latency（微秒）', help: '链路单向延迟。' }
    },
    status: {
      setup: '准备中',
      active: '进行中（预拷贝）',
      'postcopy-active': '后拷贝进行中',
      completed: '已完成',
      failed: '失败',
      cancelled: '已取消'
    },
    destination: {
      pending: '等待中',
      accepted: '接收中',
      postcopy: '运行中，页面陆续到达',
      resumed: '运行中',
      refused: '已拒绝',
      discarded: '副本已丢弃',
      failed: '虚拟机丢失'
    },
    switchover: {
      converged: '已收敛（剩余数据满足停机时间限制）',
      'round-limit': '达到轮数上限（强制暂停）',
      'total-limit': '达到发送总量上限（强制暂停）',
      postcopy: '后拷贝'
    },
    stats: {
      title: '统计（QEMU query-migrate 字段名）',
      progress: '进度',
      remaining: '剩余',
      transferred: '已传输'
    },
    rounds: { title: '各轮：已发送页面与期间弄脏的页面', sent: '已发送页面', dirtied: '弄脏页面', round: '第 {n} 轮' },
    latency: {
      title: '客户端延迟',
      pending: '此次迁移没有客户端延迟样本：负载生成器需要客户机在 virtio 网卡上运行 web 工作负载。',
      series: '请求延迟',
      axisTime: '请求发送时间（自迁移开始的虚拟毫秒）',
      axisLatency: '延迟（毫秒）',
      summary: '{n} 个请求 · 最大延迟 {worst} 毫秒 · 报告的停机时间 {downtime} 毫秒'
    },
    columns: { id: '迁移', vm: '虚拟机', route: '路径', status: '状态', downtime: '停机时间', total: '总时间', transferred: '已传输' }
  },
  errors: {
    MIGRATION_BAD_PARAMETER: '迁移参数 {name} 超出范围（{value}）。',
    MIGRATION_ALREADY_STARTED: '此迁移已经开始。',
    MIGRATION_BLOCKED: '此虚拟机无法迁移（{reasons}）。',
    MIGRATION_BLOCKED_PASSTHROUGH: '设备 {device}（{kind}）直通自宿主机硬件，其状态无法迁移。请使用 virtio 网卡或 VF + virtio 故障切换。',
    MIGRATION_REFUSED: '目标主机拒绝了迁移（{reasons}）。',
    MIGRATION_SAME_HOST: '虚拟机已在 {host} 上运行，请选择其他主机。',
    MIGRATION_DEST_NO_MEMORY: '主机 {host} 仅有 {available} 字节空闲，虚拟机需要 {needed} 字节。',
    MIGRATION_DEST_LACKS_CAPABILITY: '主机 {host} 不提供此虚拟机所需的 {capability}。',
    MIGRATION_CANCELLED: '迁移已取消，虚拟机继续在源主机上运行。',
    MIGRATION_LINK_DOWN: '迁移链路中断，虚拟机继续在源主机上运行。',
    MIGRATION_POSTCOPY_LINK_LOST: '后拷贝期间链路中断：虚拟机内存分散在两台主机上，虚拟机已丢失。',
    MIGRATION_VERIFY_FAILED: '目标端副本与源端暂停时的状态不一致，虚拟机保留在源主机上。',
    MIGRATION_PROTOCOL: '迁移数据流格式错误。',
    MIGRATION_INTERNAL: '迁移在引擎内部失败（{message}）。',
    MIGRATION_NOT_FOUND: '不存在迁移“{id}”。',
    MIGRATION_VM_NOT_RUNNING: '只有运行中的虚拟机才能迁移（当前为 {state}）。',
    MIGRATION_IN_PROGRESS: '此虚拟机正在迁移中（{id}）。',
    MIGRATION_NO_OTHER_HOST: '没有可迁往的其他主机（{host} 是唯一的主机），请先添加主机。',
    MIGRATION_FINISHED: '迁移 {id} 已经结束。'
  }
}
