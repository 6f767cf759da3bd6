// Electron entry (thin): one window with the security baseline, the application menu, and the IPC transport
// bound to the workbench service. Never imported by tests; everything it wires is tested through the lab server.
import { join } from 'node:path'
import { BrowserWindow, Menu, app, dialog, ipcMain, shell } from 'electron'
import type { IpcMainInvokeEvent, MenuItemConstructorOptions, WebFrameMain } from 'electron'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/ipc'
import type { Language } from '../shared/contract'
import type { ResultMessage } from '../shared/protocol'
import { dispatch } from './service/dispatch'
import { WorkbenchService } from './service/workbench-service'
import { dataDirBusyText, lockDataDir } from './service/data-dir-lock'
import { WorkbenchError } from '../shared/errors'
import { menuLabels } from './menu-labels'

const argDataDir = (() => {
  const i = process.argv.indexOf('--data-dir')
  return i > 0 ? process.argv[i + 1] : undefined
})()

let win: BrowserWindow | null = null
let service: WorkbenchService | null = null
let releaseDataDir: () => void = () => undefined

function rendererUrl(): string {
  return process.env.ELECTRON_RENDERER_URL ?? `file://${join(__dirname, '../renderer/index.html')}`
}

/** Only our own top-level page may call the service. */
function trustedSender(frame: WebFrameMain | null): boolean {
  if (!win || !frame || frame !== win.webContents.mainFrame) return false
  const expected = new URL(rendererUrl())
  const actual = new URL(frame.url)
  return actual.protocol === expected.protocol && actual.host === expected.host && actual.pathname === expected.pathname
}

function buildMenu(lang: Language): void {
  const t = menuLabels[lang]
  const setLang = (language: Language) => (): void => {
    if (service) void dispatch(service, { kind: 'call', id: 0, command: 'settings.update', payload: { language } })
  }
  const template: MenuItemConstructorOptions[] = [
    { label: t.file, submenu: [{ role: 'quit', label: t.quit }] },
    {
      label: t.view,
      submenu: [
        {
          label: t.language,
          submenu: [
            { label: 'English', type: 'radio', checked: lang === 'en', click: setLang('en') },
            { label: '简体中文', type: 'radio', checked: lang === 'zh-CN', click: setLang('zh-CN') }
          ]
        },
        { type: 'separator' },
        { role: 'reload', label: t.reload },
        { role: 'resetZoom', label: t.resetZoom },
        { role: 'zoomIn', label: t.zoomIn },
        { role: 'zoomOut', label: t.zoomOut },
        { role: 'togglefullscreen', label: t.fullscreen },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }])
      ]
    },
    {
      label: t.help,
      submenu: [
        {
          label: t.about,
          click: () =>
            void dialog.showMessageBox({ type: 'info', title: t.about, message: `VMM Workbench ${app.getVersion()}`, detail: t.aboutDetail })
        }
      ]
    }
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

function createWindow(svc: WorkbenchService): void {
  win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'VMM Workbench',
    icon: join(__dirname, '../../resources/icon.png'),
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false
    }
  })
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (e) => e.preventDefault())
  win.once('ready-to-show', () => win?.show())
  const forward = svc.onEvent((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, { event, payload })
  })
  win.on('closed', () => {
    forward()
    win = null
  })
  void win.loadURL(rendererUrl())
}

/** Snapshot archives anywhere: the user picks the file in the system's save/open dialog (null when cancelled). */
async function pickArchiveFile(mode: 'save' | 'open', suggestedName: string): Promise<string | null> {
  const filters = [{ name: 'VM archive (.tar.gz)', extensions: ['gz'] }]
  if (mode === 'save') {
    const opts = { defaultPath: join(app.getPath('documents'), suggestedName), filters }
    const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts)
    if (r.canceled || !r.filePath) return null
    return r.filePath.endsWith('.tar.gz') ? r.filePath : `${r.filePath.replace(/\.gz$/, '')}.tar.gz`
  }
  const opts = { filters, properties: ['openFile' as const] }
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts)
  return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]
}

async function main(): Promise<void> {
  await app.whenReady()
  const appRoot = app.getAppPath()
  const dataDir = argDataDir ?? app.getPath('userData')
  try {
    releaseDataDir = lockDataDir(dataDir)
  } catch (err) {
    // a lab server (or another app started with --data-dir) has this folder: two would overwrite each other's files
    const pid = err instanceof WorkbenchError ? String(err.params.pid) : '?'
    dialog.showErrorBox('VMM Workbench', dataDirBusyText(dataDir, pid))
    app.quit()
    return
  }
  const svc = new WorkbenchService({
    dataDir,
    guestDir: app.isPackaged ? join(process.resourcesPath, 'guest') : join(appRoot, 'resources/guest'),
    hostWorker: { kind: 'bundle', file: join(__dirname, 'host-worker.js') },
    version: app.getVersion(),
    pickFile: pickArchiveFile
  })
  service = svc

  ipcMain.handle(IPC_CALL_CHANNEL, async (e: IpcMainInvokeEvent, msg: unknown): Promise<ResultMessage> => {
    const id = typeof msg === 'object' && msg !== null && 'id' in msg && typeof msg.id === 'number' ? msg.id : 0
    if (!trustedSender(e.senderFrame)) return { kind: 'result', id, ok: false, error: { code: 'PROTOCOL_MALFORMED', params: { detail: 'sender' } } }
    const reply = await dispatch(svc, msg)
    return reply.kind === 'result' ? reply : { kind: 'result', id, ok: false, error: reply.error }
  })

  buildMenu(svc.settings.value.language)
  svc.onEvent((event, payload) => {
    if (event === 'settings.changed') buildMenu((payload as { language: Language }).language)
  })

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault())
  })
  createWindow(svc)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(svc)
  })
}

app.on('window-all-closed', () => {
  void (service ? service.close() : Promise.resolve()).then(() => {
    releaseDataDir()
    app.quit()
  })
})

// one desktop window per user: a second launch brings the first one forward instead of starting a second service
if (app.requestSingleInstanceLock()) {
  app.on('second-instance', () => {
    if (!win) return
    if (win.isMinimized()) win.restore()
    win.focus()
  })
  void main()
} else app.quit()
