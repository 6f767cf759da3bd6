export default {
  app: { title: 'VMM Workbench', subtitle: '虚拟化实验室' },
  nav: { vms: '虚拟机', hosts: '主机', settings: '设置' },
  common: {
    cancel: '取消',
    close: '关闭',
    back: '上一步',
    next: '下一步',
    create: '创建',
    delete: '删除',
    yes: '是',
    no: '否',
    loading: '加载中…',
    connecting: '正在连接工作台服务…',
    disconnected: '与工作台服务的连接已断开，正在重新连接…',
    language: '语言',
    mib: '{n} MiB',
    none: '无',
    dismiss: '关闭提示'
  }
}
