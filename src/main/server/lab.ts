// `npm run lab`: the workbench service over WebSocket plus the built UI, for browsers.
//   node out/main/lab.js [--host 127.0.0.1] [--port 0] [--data-dir DIR]
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { WorkbenchService } from '../service/workbench-service'
import { startLabServer } from './lab-server'
import { parseLabArgs } from './lab-args'
import { dataDirBusyText, lockDataDir } from '../service/data-dir-lock'
import { WorkbenchError } from '../../shared/errors'

/** The app's version when started without npm (node out/main/lab.js): package.json next to out/. */
function packageVersion(appRoot: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : undefined
  } catch {
    return undefined
  }
}

async function main(): Promise<void> {
  const args = parseLabArgs(process.argv.slice(2))
  if (args.help) {
    console.log('usage: npm run lab -- [--host ADDR] [--port N] [--data-dir DIR]')
    return
  }
  const appRoot = resolve(__dirname, '../..')
  const dataDir = resolve(args.dataDir ?? join(homedir(), '.vmm-workbench'))
  let releaseDataDir: () => void
  try {
    releaseDataDir = lockDataDir(dataDir)
  } catch (err) {
    if (!(err instanceof WorkbenchError) || err.code !== 'DATA_DIR_BUSY') throw err
    console.error(dataDirBusyText(dataDir, String(err.params.pid)))
    process.exit(1)
  }
  const service = new WorkbenchService({
    dataDir,
    guestDir: join(appRoot, 'resources/guest'),
    hostWorker: { kind: 'bundle', file: join(__dirname, 'host-worker.js') },
    version: process.env.npm_package_version ?? packageVersion(appRoot)
  })
  const server = await startLabServer({ service, staticDir: join(appRoot, 'out/renderer'), host: args.host, port: args.port })
  console.log(`VMM Workbench lab server (data: ${dataDir})`)
  console.log(`Open: ${server.url}`)
  const stop = (): void => {
    void server
      .close()
      .then(() => service.close())
      .then(() => {
        releaseDataDir()
        process.exit(0)
      })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err))
  process.exit(1)
})
