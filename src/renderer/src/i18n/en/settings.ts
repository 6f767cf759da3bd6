export default {
  settings: {
    title: 'Settings',
    language: 'Language',
    languageHelp: 'The interface language. Remembered across restarts.',
    chartRate: 'Chart refresh rate',
    chartRateHelp: 'How often the live charts redraw (times per second). Lower it on a slow machine.',
    about: 'About',
    version: 'Version {version}',
    dataDir: 'Data directory: {dir}',
    saved: 'Settings saved.'
  }
}
