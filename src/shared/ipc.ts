// Electron IPC channel names (kept free of imports: the sandboxed preload bundles this file).
export const IPC_CALL_CHANNEL = 'workbench:call'
export const IPC_EVENT_CHANNEL = 'workbench:event'
