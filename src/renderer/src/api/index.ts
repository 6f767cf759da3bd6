// The one client the UI uses: Electron IPC when the preload provided window.workbench, the lab server's
// WebSocket otherwise.
import { WorkbenchClient } from '@shared/client'
import type { Transport } from '@shared/protocol'
import { ref } from 'vue'
import { WsTransport } from './ws-transport'
import type { ConnectionState } from './ws-transport'

export const connection = ref<ConnectionState>('connecting')

function pickTransport(): Transport {
  if (window.workbench) {
    connection.value = 'open'
    return window.workbench
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const ws = new WsTransport(`${scheme}://${location.host}/ws`)
  ws.onState = (s) => (connection.value = s)
  connection.value = ws.state
  return ws
}

export const client = new WorkbenchClient(pickTransport())
