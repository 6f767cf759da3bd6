export default {
  settings: {
    title: '设置',
    language: '语言',
    languageHelp: '界面语言。重启后仍会保留。',
    chartRate: '图表刷新频率',
    chartRateHelp: '实时图表每秒重绘的次数。机器较慢时可调低。',
    about: '关于',
    version: '版本 {version}',
    dataDir: '数据目录：{dir}',
    saved: '设置已保存。'
  }
}
