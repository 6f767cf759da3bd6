// 隔离实验页面（issue 8）及其错误码（src/shared/contract/isolation.ts）。
export default {
  nav: { isolation: '隔离实验' },
  isolation: {
    title: '隔离实验：容器与虚拟机',
    intro: '攻击者租户在真实的客户机内核上对其入口点进行模糊测试，试图读取受害者的秘密。缺陷由带种子的缺陷模型按次试验开启；只有当植入的秘密出现在攻击者的输出中时才计为一次逃逸。',
    configs: { containers: '两个容器，同一内核', 'containers-filtered': '两个容器 + 系统调用过滤', vms: '两台虚拟机，同一主机' },
    params: {
      title: '实验',
      configs: '配置',
      pKernel: '内核入口点有缺陷的概率（klog_read）',
      pVmm: 'VMM 入口点有缺陷的概率（virtio-mmio 处理程序）',
      trials: '每种配置的试验次数',
      seed: '种子',
      tries: '攻击者尝试次数（容器）',
      vmTries: '攻击者尝试次数（攻击者虚拟机）'
    },
    run: '运行',
    emptyHint: '还没有结果。选择配置后点击“运行”：每次试验都会在引擎上启动真实的租户虚拟机（每次几秒钟），表格、图表以及一次逃逸的回放会显示在这里。',
    cancel: '取消',
    progress: '已完成 {done} / {total} 次试验',
    export: { csv: '导出 CSV', json: '导出 JSON' },
    table: {
      config: '配置',
      escapes: '逃逸次数',
      rate: '逃逸率',
      wilson: '95% Wilson 区间',
      predicted: '缺陷模型预测值',
      tries: '逃逸所需尝试次数（中位数）',
      virtual: '逃逸所需虚拟时间（中位数）',
      boundary: '隔离边界',
      surface: '边界上的攻击面',
      surfaceKernel: '{of} 个系统调用中的 {n} 个',
      surfaceVmm: '{exits} 种退出原因 + {regs} 个设备寄存器'
    },
    boundary: { kernel: '共享内核', vmm: 'VMM' },
    chart: { rateAxis: '逃逸率（%）', rate: '逃逸率（误差线：95% Wilson 区间）', time: '逃逸所需时间（每次逃逸的试验）', tries: '尝试次数', virtualMs: '虚拟毫秒' },
    why: {
      title: '为什么数字不同',
      text: '容器共享同一个内核：两者都能调用的系统调用（klog_read）中只要缺少一次边界检查，攻击者就能读到受害者的文件，因此容器的逃逸率大致等于内核缺陷被抽中的概率。系统调用过滤让攻击者无法调用 klog_read：缺陷仍然存在，但不再是入口点。虚拟机有自己的内核：同样的内核缺陷只能读到攻击者自己的内存。要在虚拟机之间越界，攻击者需要 VMM 本身的缺陷，这里是一个不检查寄存器偏移的设备处理程序，它沿着主机内存一路读进另一台虚拟机的内存。'
    },
    replay: {
      title: '逐步回放一次逃逸',
      pick: '逃逸',
      none: '本次运行没有逃逸。',
      next: '下一步',
      prev: '上一步',
      step: '第 {n} 步，共 {of} 步',
      layout: '主机内存：{regions}',
      planted: '引擎把秘密植入 {region}，客户机物理地址 {gpa}（主机地址 {host}）。',
      attackerKernel: '攻击者对共享内核的系统调用进行模糊测试；其输出：“{line}”。',
      flawKernel: 'klog_read（系统调用 1012）检查了偏移但没有检查长度：读取从内核日志一直越过到文件表，受害者的文件就在那里。',
      attackerVm: '攻击者虚拟机每第 16 次尝试读取一次设备寄存器；其输出：“{line}”。',
      visit: '第 {visit} 次读取设备页：插槽 {slot}（攻击者地址 {page}），{reads} 次读取 → 主机 {from}–{to}：{regions}',
      visitEmpty: '第 {visit} 次读取设备页：插槽 {slot}（攻击者地址 {page}），{reads} 次读取：空插槽的寄存器，没有读到攻击者虚拟机之外的内容。',
      firstCrossing: '第 {read} 次读取：插槽 {slot} 偏移 {offset} 越过了传输层的配置缓冲区，到达主机 {host}（{region}）。',
      intoVictim: '第 {read} 次读取：游标到达 {region}，主机 {host} = 受害者的客户机物理地址 {gpa}。',
      secretRead: '第 {read} 次读取：插槽 {slot} 偏移 {offset} → 主机 {host}（受害者 {gpa}）：字节 {bytes}“{ascii}”',
      check: '引擎在攻击者的输出中找到了植入的秘密：经过 {tries} 次尝试、{ms} 毫秒虚拟时间，计为一次逃逸。'
    }
  },
  errors: {
    ISOLATION_BAD_PARAM: '隔离实验参数 {name} 无效（{value}）。',
    ISOLATION_GUEST_FAILED: '租户虚拟机（{vm}）未能完成试验（{halt}）。',
    ISOLATION_CANCELLED: '隔离实验已取消。',
    ISOLATION_BUSY: '已有一个隔离实验正在运行。',
    ISOLATION_IMAGE_MISSING: '找不到客户机映像 {image}。'
  }
}
