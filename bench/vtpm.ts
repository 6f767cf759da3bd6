// bench/vtpm: cost of a quote and of a whole attestation, against peers measured in the same run.
//   npx tsx bench/vtpm.ts
// Peers: Node's own crypto.sign (OpenSSL ECDSA P-256 / RSA-2048 over the same message) — our ECC quote signs with
// RFC 6979 deterministic ECDSA in BigInt, so its ratio shows what determinism costs; `tpm2_checkquote` (Debian's
// tpm2-tools, a separate process) for the verification side when installed.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { agentIdentity, agentRespond } from '../src/main/engine/attest/agent'
import { exportAttestationFiles } from '../src/main/engine/attest/export'
import { computeReferenceValues } from '../src/main/engine/attest/reference'
import { RemoteVerifier } from '../src/main/engine/attest/verifier'
import { ManufacturerCa, measureVmBoot, vmBootImages, VTpm } from '../src/main/engine/vtpm'
import { toHex } from '../src/main/engine/vtpm/marshal'

function perSecond(fn: () => void, minMs = 600): number {
  fn()
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < minMs) {
    fn()
    n++
  }
  return (n * 1000) / (performance.now() - t0)
}

const kernelPath = join(__dirname, '../resources/guest/kernel.elf')
let kernel: Uint8Array
try {
  kernel = new Uint8Array(readFileSync(kernelPath))
} catch {
  kernel = new Uint8Array(64 * 1024).fill(0x13)
}
const ca = new ManufacturerCa(new Uint8Array(32).fill(1))
const tpm = VTpm.create(new Uint8Array(32).fill(2), ca)
measureVmBoot(tpm, kernel)
const nonce = new Uint8Array(20).fill(7)
const msg = tpm.quote('ecc', nonce).attest
const eccPeer = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
const rsaPeer = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey

const quoteEcc = perSecond(() => tpm.quote('ecc', nonce))
const peerEcc = perSecond(() => sign('sha256', msg, eccPeer))
const quoteRsa = perSecond(() => tpm.quote('rsa', nonce))
const peerRsa = perSecond(() => sign('sha256', msg, rsaPeer))
console.log(`quote_ecc: ${quoteEcc.toFixed(0)} quotes/s`)
console.log(`peer_node_ecdsa_sign: ${peerEcc.toFixed(0)} signs/s`)
console.log(`ratio_quote_ecc_vs_node_sign: ${(quoteEcc / peerEcc).toFixed(3)}`)
console.log(`quote_rsa: ${quoteRsa.toFixed(0)} quotes/s`)
console.log(`peer_node_rsa_sign: ${peerRsa.toFixed(0)} signs/s`)
console.log(`ratio_quote_rsa_vs_node_sign: ${(quoteRsa / peerRsa).toFixed(3)}`)

const reference = computeReferenceValues(vmBootImages(kernel))
const full = perSecond(() => {
  const v = new RemoteVerifier({ caCertificate: ca.certificate, reference, random: (n) => new Uint8Array(randomBytes(n)) })
  const r = v.verify(agentRespond(tpm, v.challenge(agentIdentity(tpm, 'ecc')), 'ecc'))
  if (!r.ok) throw new Error('attestation failed in the benchmark')
})
console.log(`attestation_round_trip_ecc: ${full.toFixed(1)} attestations/s (${(1000 / full).toFixed(2)} ms each)`)

const probe = spawnSync('tpm2_checkquote', ['--version'])
if (probe.error) {
  console.log('peer_tpm2_checkquote: not installed (apt-get install -y tpm2-tools)')
} else {
  const dir = mkdtempSync(join(tmpdir(), 'bench-vtpm-'))
  for (const [name, bytes] of Object.entries(exportAttestationFiles(tpm, nonce, 'ecc'))) writeFileSync(join(dir, name), bytes)
  const args = ['-u', 'ak.pem', '-m', 'quote.msg', '-s', 'quote.sig', '-f', 'quote.pcrs', '-g', 'sha256', '-q', toHex(nonce), '-e', 'eventlog.bin']
  const checkquote = perSecond(() => {
    if (spawnSync('tpm2_checkquote', args, { cwd: dir }).status !== 0) throw new Error('tpm2_checkquote rejected the export')
  }, 1500)
  rmSync(dir, { recursive: true, force: true })
  console.log(`peer_tpm2_checkquote: ${checkquote.toFixed(1)} checks/s (separate process each)`)
  console.log(`ratio_attestation_vs_tpm2_checkquote: ${(full / checkquote).toFixed(3)}`)
}
