// Moving VM archives between the user's machine and the service. In the desktop app the service runs on the
// same machine: the user picks a file in the system dialog and the service reads or writes it there. In a browser
// (lab server) the archive is downloaded from and uploaded to the lab server's archive folder over HTTP, with the
// same access token cookie as the page.
import { ARCHIVE_DOWNLOAD_PATH, ARCHIVE_UPLOAD_PATH, ArchiveUploadReplySchema } from '@shared/contract/snapshots'
import { WorkbenchError } from '@shared/errors'

/** True in the Electron window (the preload provided window.workbench): files are picked in a dialog. */
export function hasFileDialog(): boolean {
  return typeof window !== 'undefined' && window.workbench !== undefined
}

/** Let the browser save an archive of the lab server's archive folder. */
export function downloadArchive(file: string): void {
  const a = document.createElement('a')
  a.href = `${ARCHIVE_DOWNLOAD_PATH}${encodeURIComponent(file)}`
  a.download = file
  document.body.appendChild(a)
  a.click()
  a.remove()
}

/** Upload a file into the lab server's archive folder; resolves with its name there (import it next). Progress is
 * reported as bytes sent of the total. */
export function uploadArchive(file: Blob, onProgress: (sent: number, total: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', ARCHIVE_UPLOAD_PATH)
    xhr.responseType = 'text'
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size)
    xhr.onerror = () => reject(new WorkbenchError('CONNECTION_LOST', {}))
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        body = null
      }
      const parsed = ArchiveUploadReplySchema.safeParse(body)
      if (!parsed.success) return reject(new WorkbenchError('PROTOCOL_MALFORMED', { command: 'upload', detail: `HTTP ${xhr.status}` }))
      if (parsed.data.ok) resolve(parsed.data.file)
      else reject(new WorkbenchError(parsed.data.error.code, parsed.data.error.params))
    }
    xhr.send(file)
  })
}
