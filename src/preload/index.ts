// The only bridge between the sandboxed renderer and the main process: window.workbench, a Transport
// (src/shared/protocol.ts). No Node or Electron object crosses it.
import { contextBridge, ipcRenderer } from 'electron'
import type { IpcRendererEvent } from 'electron'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/ipc'
import type { ResultMessage, Transport } from '../shared/protocol'

let nextId = 1

const workbench: Transport = {
  call(command: string, payload: unknown): Promise<ResultMessage> {
    return ipcRenderer.invoke(IPC_CALL_CHANNEL, { kind: 'call', id: nextId++, command, payload }) as Promise<ResultMessage>
  },
  onEvent(listener: (event: string, payload: unknown) => void): () => void {
    const handler = (_e: IpcRendererEvent, msg: { event: string; payload: unknown }): void => listener(msg.event, msg.payload)
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler)
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler)
  }
}

contextBridge.exposeInMainWorld('workbench', workbench)
