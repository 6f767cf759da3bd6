// Save text the service produced (a CSV export) as a file: the browser's download, which Electron also handles.
export function downloadText(text: string, filename: string, mime = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }))
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.click()
  URL.revokeObjectURL(url)
}
