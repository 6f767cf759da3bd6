import type { Transport } from '../shared/protocol'

declare global {
  interface Window {
    /** Present in the Electron window (preload); absent in a browser talking to the lab server. */
    workbench?: Transport
  }
}

export {}
