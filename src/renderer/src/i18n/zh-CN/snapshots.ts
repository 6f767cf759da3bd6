// 快照：虚拟机页面上的快照树、虚拟机归档（导出/导入）以及快照错误代码。
export default {
  snapshots: {
    title: '快照',
    take: '创建快照',
    description: '描述',
    descriptionPlaceholder: '例如：干净安装、运行样本之前',
    live: '在线（复制期间客户机继续运行）',
    revert: '恢复',
    delete: '删除',
    clone: '克隆…',
    cloneName: '新虚拟机名称',
    cloneTitle: '从快照 {snapshot} 克隆“{name}”',
    cloneHint: '新虚拟机与此快照共享内存页；将其恢复到该快照即可启动。',
    none: '尚无快照。快照保存整个虚拟机：内存、vCPU 和设备状态。',
    needsRunning: '请先启动虚拟机再创建快照。',
    current: '当前',
    youAreHere: '当前位置',
    size: '内存 {ram}，已用 {used}，新写入磁盘 {written}',
    storeSize: '快照存储占用磁盘：{size}',
    confirmRevert: '将“{name}”恢复到快照“{snapshot}”？除非先创建快照，否则此后的所有更改都会丢失。',
    confirmDelete: '删除快照“{snapshot}”？其子快照保留；其他快照未使用的内存页将被释放。',
    reverted: '已恢复到 {snapshot}：读取 {read} 页，原地校验未变化的 {kept} 页。',
    taken: '已创建快照 {snapshot}：写入 {written} 个新页。',
    cloned: '已从快照创建虚拟机“{name}”。',
    progress: {
      take: '正在创建快照… 第 {done} / {total} 页',
      revert: '正在恢复… 第 {done} / {total} 页',
      export: '正在导出第 {done} / {total} 页…',
      import: '正在导入 {done} / {total} 字节…'
    },
    archives: {
      title: '虚拟机归档',
      export: '导出虚拟机',
      exported: '已导出到 {path}（{size}，{snapshots} 个快照）。',
      import: '导入',
      importTitle: '导入虚拟机归档',
      folder: '归档从 {folder} 读取并写入该目录。',
      none: '目录中没有归档。',
      rename: '如已存在同名虚拟机，则以新名称导入',
      imported: '已导入虚拟机“{name}”。'
    }
  },
  errors: {
    SNAPSHOT_VM_NOT_FOUND: '虚拟机“{vm}”没有快照。',
    SNAPSHOT_NOT_FOUND: '虚拟机“{vm}”没有快照“{snapshot}”。',
    SNAPSHOT_VM_EXISTS: '快照存储中已存在虚拟机“{vm}”。',
    SNAPSHOT_PAGES_CORRUPT: '虚拟机“{vm}”的快照“{snapshot}”已损坏：{count} 个内存页缺失或损坏（{pages}）。虚拟机未被修改。',
    SNAPSHOT_MANIFEST_CORRUPT: '快照文件 {file} 已损坏（{reason}）。',
    SNAPSHOT_MANIFEST_VERSION: '快照文件 {file} 的格式版本为 {found}；此版本工作台读取版本 {supported}。',
    SNAPSHOT_VM_RECORD_CORRUPT: '快照存储中的虚拟机记录 {file} 已损坏（{reason}）。',
    SNAPSHOT_RAM_SIZE_MISMATCH: '快照“{snapshot}”包含 {expected} 字节内存，但虚拟机有 {actual} 字节。',
    SNAPSHOT_STATE_UNSERIALIZABLE: '位于 {path} 的虚拟机状态无法保存到快照中。',
    SNAPSHOT_STORE_VERSION: '快照存储 {dir} 的格式版本为 {found}；此版本工作台读取版本 {supported}。',
    SNAPSHOT_PACK_CORRUPT: '快照存储的页文件 {pack} 已损坏（{reason}）。',
    SNAPSHOT_ARCHIVE_CORRUPT: '归档 {file} 已损坏或不是虚拟机归档（{reason}）。未导入任何内容。',
    SNAPSHOT_ARCHIVE_VERSION: '归档 {file} 的格式版本为 {found}；此版本工作台读取版本 {supported}。未导入任何内容。',
    SNAPSHOT_IMPORT_VM_EXISTS: '虚拟机“{vm}”已存在。请选择以新名称导入该归档。',
    SNAPSHOT_BAD_ARGUMENT: '无效的{name}：{reason}。',
    SNAPSHOT_STORE_BUSY: '快照存储正忙于其他操作，请稍后重试。',
    SNAPSHOT_ARCHIVE_NAME: '归档名称以 .tar.gz 结尾，只能使用字母、数字、点、短横线和下划线。',
    SNAPSHOT_ARCHIVE_NOT_FOUND: '归档目录中没有“{file}”。'
  }
}
