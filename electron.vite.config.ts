import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

// Main-process bundles: the Electron entry, the lab server (plain Node, never imports electron),
// and the host worker that runs the engine in a worker_thread.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          lab: resolve(__dirname, 'src/main/server/lab.ts'),
          'host-worker': resolve(__dirname, 'src/main/engine/host/host-worker.ts'),
          'isolation-worker': resolve(__dirname, 'src/main/engine/labs/isolation/worker.ts')
        },
        external: ['electron', 'ws']
      }
    },
    resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } }
  },
  preload: {
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') } } },
    resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } } },
    resolve: {
      alias: {
        '@shared': resolve(__dirname, 'src/shared'),
        '@renderer': resolve(__dirname, 'src/renderer/src')
      }
    },
    plugins: [vue()]
  }
})
