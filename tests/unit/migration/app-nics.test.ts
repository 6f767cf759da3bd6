// App-driven pre-copy of web VMs on the other NICs that can migrate, through the service and real host workers:
// the emulated NIC (host-a → host-b) and VF + virtio failover (host-a → host-c, a host with an IOMMU and free VFs:
// the pair is rebuilt there). The load client's blip matches the reported downtime, every request answered once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sourceWorkerEntry } from '../../../src/main/service/host-worker-entry'
import { DEFAULT_HOSTS } from '../../../src/main/service/hosts'
import { migrationsOf } from '../../../src/main/service/migrations'
import { WorkbenchService } from '../../../src/main/service/workbench-service'
import { GUEST_DIR, ROOT } from '../service/helpers'
import { expectBlip, settled, startWebVm, watchMigrations } from './web-vm'

const dataDir = mkdtempSync(join(tmpdir(), 'wb-mignics-'))
writeFileSync(join(dataDir, 'hosts.json'), JSON.stringify([...DEFAULT_HOSTS, { id: 'host-c', name: 'host-c', cores: 2, memoryMiB: 1024, iommu: true, sriovVfs: 2 }]))
const service = new WorkbenchService({ dataDir, guestDir: GUEST_DIR, hostWorker: sourceWorkerEntry(ROOT), batchHz: 20 })
afterAll(async () => {
  await service.close()
  rmSync(dataDir, { recursive: true, force: true })
})
const progress = watchMigrations(service)

describe('app-driven migration of web VMs on the emulated NIC and VF + virtio failover', () => {
  for (const [nic, target] of [
    ['emulated', 'host-b'],
    ['vf-failover', 'host-c']
  ] as const) {
    it(`${nic}: ${target}, blip = downtime, every request answered once`, async () => {
      const id = await startWebVm(service, `web-${nic}`, 'hardware-assisted', nic)
      const started = await migrationsOf(service).start(id, target, { 'max-bandwidth': 2_000_000 })
      const r = await settled(progress, started.id)
      expectBlip(r, nic)
      expect(service.vms.get(id).hostId).toBe(target)
      // alone on each host for the next one (the hosts' VMs share one network clock: docs/migration.md)
      await service.stop(id)
    }, 200_000)
  }
})
