// The application menu in both languages (the renderer has its own catalogues; the menu lives in main).
import type { Language } from '../shared/contract'

export const menuLabels: Record<Language, Record<string, string>> = {
  en: {
    file: 'File',
    quit: 'Quit',
    view: 'View',
    language: 'Language',
    reload: 'Reload',
    resetZoom: 'Actual Size',
    zoomIn: 'Zoom In',
    zoomOut: 'Zoom Out',
    fullscreen: 'Toggle Full Screen',
    help: 'Help',
    about: 'About VMM Workbench',
    aboutDetail: 'A virtualization teaching and experimentation workbench: real RISC-V guests on a real VMM engine.'
  },
  'zh-CN': {
    file: '文件',
    quit: '退出',
    view: '视图',
    language: '语言',
    reload: '重新加载',
    resetZoom: '实际大小',
    zoomIn: '放大',
    zoomOut: '缩小',
    fullscreen: '切换全屏',
    help: '帮助',
    about: '关于 VMM Workbench',
    aboutDetail: '虚拟化教学与实验工作台：在真实的 VMM 引擎上运行真实的 RISC-V 客户机。'
  }
}
