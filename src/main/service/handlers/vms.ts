import type { vmCommands } from '../../../shared/contract'
import type { Handlers } from './types'

export const vmHandlers: Handlers<keyof typeof vmCommands> = {
  'images.list': (_req, s) => s.images(),
  'vms.list': (_req, s) => s.vms.list().map((v) => s.vms.summary(v.id)),
  'vms.create': (req, s) => s.create(req),
  'vms.start': (req, s) => s.start(req.id),
  'vms.pause': (req, s) => s.pause(req.id),
  'vms.resume': (req, s) => s.resume(req.id),
  'vms.stop': (req, s) => s.stop(req.id),
  'vms.delete': async (req, s) => {
    await s.remove(req.id)
    return { ok: true as const }
  },
  'vms.setBoot': (req, s) => s.setBoot(req.id, req.boot),
  'vms.sendSerial': async (req, s) => {
    await s.sendSerial(req.id, req.text)
    return { ok: true as const }
  },
  'vms.serialHistory': (req, s) => {
    s.vms.get(req.id)
    return { id: req.id, bytes: Buffer.from(s.vms.rt(req.id).serial.contents()).toString('base64') }
  },
  'vms.stats': (req, s) => {
    s.vms.get(req.id)
    return s.vms.rt(req.id).stats
  }
}
