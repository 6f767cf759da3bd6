// One running workbench (desktop app or lab server) per data directory: two would overwrite each other's VM,
// host and migration files. The lock is a file created exclusively that names the holder's pid; a lock left by
// a process that no longer exists (killed, crashed) is taken over.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { WorkbenchError } from '../../shared/errors'
import { processAlive } from '../engine/snapshot/store-lock'

export const DATA_DIR_LOCK = 'workbench.lock'

function holder(file: string): number {
  try {
    return Number.parseInt(fs.readFileSync(file, 'utf8'), 10) || 0
  } catch {
    return 0
  }
}

/** Take the data directory for this process; returns the function that gives it back. Another live process
 * holding it → DATA_DIR_BUSY {dir, pid}. */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, DATA_DIR_LOCK)
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx')
      fs.writeSync(fd, `${process.pid}\n`)
      fs.closeSync(fd)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const pid = holder(file)
    if (pid > 0 && pid !== process.pid && processAlive(pid)) throw new WorkbenchError('DATA_DIR_BUSY', { dir: dataDir, pid })
    if (attempt > 0) throw new WorkbenchError('DATA_DIR_BUSY', { dir: dataDir, pid })
    fs.rmSync(file, { force: true }) // left by a process that is gone (or by this one): take it over once
  }
  let held = true
  return () => {
    if (!held) return
    held = false
    if (holder(file) === process.pid) fs.rmSync(file, { force: true })
  }
}

/** What the lab server prints and the desktop app shows when the folder is taken (before any UI language is
 * known, so in both of the UI's languages). */
export function dataDirBusyText(dir: string, pid: string | number): string {
  return (
    `The data folder ${dir} is in use by another VMM Workbench (process ${pid}): a desktop app or lab server. ` +
    `Close it, or start this one with --data-dir on another folder.\n` +
    `数据文件夹 ${dir} 正被另一个 VMM Workbench（进程 ${pid}，桌面应用或实验服务器）使用。请先关闭它，或用 --data-dir 指定另一个文件夹启动。`
  )
}
