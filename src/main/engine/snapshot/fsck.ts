// fsck for a snapshot store: reads everything, changes nothing. Checks the store header, every VM record and
// manifest (format, version, checksum, page list), every pack (trailer, hash table) and every stored page
// (SHA-256 of its bytes), then that each snapshot's pages are all present and intact, that parents and current
// positions exist. Leftovers of interrupted operations (temporary files, packs no snapshot uses) are listed
// apart: they are harmless and the next open of the store removes them.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { TEMP_SUFFIX } from './durable-io'
import { errorText, pageListText } from './errors'
import { pageList } from './manifest'
import { openSnapshotStore } from './store'

export interface FsckProblem {
  /** SNAPSHOT_* error code describing the damage. */
  code: string
  file: string
  message: string
  /** The parameters the code's message names (vm and snapshot are ids): the app translates code + params. */
  params: Record<string, string | number>
}

export interface FsckReport {
  ok: boolean
  problems: FsckProblem[]
  /** Harmless leftovers of interrupted writes (removed at the next open). */
  leftovers: string[]
  vms: number
  snapshots: number
  packs: number
  pages: number
  packBytes: number
}

function walkTemp(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name)
    if (e.name.endsWith(TEMP_SUFFIX)) out.push(full)
    else if (e.isDirectory()) walkTemp(full, out)
  }
}

export function fsckStore(dir: string): FsckReport {
  const report: FsckReport = { ok: false, problems: [], leftovers: [], vms: 0, snapshots: 0, packs: 0, pages: 0, packBytes: 0 }
  const headerFile = path.join(dir, 'store.json')
  if (!fs.existsSync(headerFile)) {
    report.problems.push({ code: 'SNAPSHOT_STORE_VERSION', file: headerFile, message: `${dir} is not a snapshot store (no store.json)`, params: { dir, found: 'none', supported: 1 } })
    return report
  }
  let store
  try {
    store = openSnapshotStore(dir, { clock: () => 0, recover: false })
  } catch (err) {
    const params = (err as { params?: Record<string, string | number> }).params ?? { dir }
    report.problems.push({ code: (err as { code?: string }).code ?? 'SNAPSHOT_STORE_VERSION', file: headerFile, message: errorText(err), params })
    return report
  }
  for (const d of store.damaged) report.problems.push({ code: d.code, file: d.file, message: d.message, params: d.params })
  for (const d of store.pages.damaged) {
    report.problems.push({ code: 'SNAPSHOT_PACK_CORRUPT', file: d.file, message: `Page pack ${d.file} is damaged: ${d.reason}`, params: { pack: path.basename(d.file), reason: d.reason } })
  }
  const corrupt = new Set<string>()
  for (const bad of store.pages.verifyAll()) {
    bad.badHashes.forEach((h) => corrupt.add(h))
    const reason = `${bad.badSlots.length} page(s) do not match their hash (slots ${pageListText(bad.badSlots)})`
    const params = { pack: path.basename(bad.file), reason, count: bad.badSlots.length, slots: pageListText(bad.badSlots) }
    report.problems.push({ code: 'SNAPSHOT_PACK_CORRUPT', file: bad.file, message: `Page pack ${bad.file} is damaged: ${reason}`, params })
  }
  const used = new Set<string>()
  for (const vm of store.listVms()) {
    report.vms++
    const snaps = store.listSnapshots(vm.vmId)
    const ids = new Set(snaps.map((s) => s.id))
    const recFile = path.join(dir, 'vms', vm.vmId, 'vm.json')
    if (vm.current !== null && !ids.has(vm.current)) {
      report.problems.push({ code: 'SNAPSHOT_NOT_FOUND', file: recFile, message: `VM ${vm.vmId}: current snapshot ${vm.current} does not exist`, params: { vm: vm.vmId, snapshot: vm.current } })
    }
    for (const s of snaps) {
      report.snapshots++
      const file = path.join(dir, 'vms', vm.vmId, 'snapshots', `${s.id}.json`)
      if (s.parent !== null && !ids.has(s.parent)) {
        report.problems.push({ code: 'SNAPSHOT_NOT_FOUND', file, message: `Snapshot ${s.id} of VM ${vm.vmId}: parent ${s.parent} does not exist`, params: { vm: vm.vmId, snapshot: s.parent } })
      }
      const m = store.manifest(vm.vmId, s.id)
      const bad: number[] = []
      pageList(m).forEach((h, i) => {
        if (h === null) return
        used.add(h)
        if (!store.pages.has(h) || corrupt.has(h)) bad.push(i)
      })
      if (bad.length) {
        report.problems.push({
          code: 'SNAPSHOT_PAGES_CORRUPT',
          file,
          message: `Snapshot ${s.id} of VM ${vm.vmId}: ${bad.length} page(s) missing or corrupt (${pageListText(bad)})`,
          params: { vm: vm.vmId, snapshot: s.id, count: bad.length, pages: pageListText(bad) }
        })
      }
    }
  }
  for (const p of store.pages.packHashes()) {
    if (!p.hashes.some((h) => used.has(h))) report.leftovers.push(p.file)
  }
  walkTemp(dir, report.leftovers)
  report.packs = store.pages.packCount
  report.pages = store.pages.pageCount
  report.packBytes = store.pages.diskBytes()
  report.ok = report.problems.length === 0
  return report
}

/** Human-readable report lines. */
export function formatFsckReport(dir: string, r: FsckReport): string[] {
  const lines = [
    `snapshot store ${dir}: ${r.vms} VM(s), ${r.snapshots} snapshot(s), ${r.pages} page(s) in ${r.packs} pack(s), ${(r.packBytes / 1048576).toFixed(1)} MiB`
  ]
  for (const p of r.problems) lines.push(`PROBLEM ${p.code}: ${p.message}`)
  for (const l of r.leftovers) lines.push(`leftover (removed at next open): ${l}`)
  lines.push(r.ok ? 'ok: every manifest and page checks out' : `${r.problems.length} problem(s) found`)
  return lines
}
