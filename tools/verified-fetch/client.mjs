// Fetches resources through @helia/verified-fetch, with `acache serve` as
// its only gateway and its only delegated router (for IPNS), over HTTP only
// (no libp2p), and prints one JSON array: for each, the status, content type,
// size and sha256 of the body (and the body when short).
// Usage: node client.mjs GATEWAY_URL '[{"resource":"ipfs://...","range":"bytes=0-99"}]'
import { createHash } from 'node:crypto'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { createHeliaLight } from 'helia'
import { withHTTP } from '@helia/http'

const [gateway, requests] = process.argv.slice(2)
const helia = await withHTTP(createHeliaLight(), { delegatedRouters: [gateway], recursiveGateways: [gateway], allowInsecure: true, allowLocal: true }).start()
const verifiedFetch = await createVerifiedFetch(helia)
const out = []
try {
  for (const { resource, range } of JSON.parse(requests)) {
    const res = await verifiedFetch(resource, { headers: range !== undefined ? { Range: range } : {}, signal: AbortSignal.timeout(60_000) })
    const body = Buffer.from(await res.arrayBuffer())
    out.push({ resource, status: res.status, type: res.headers.get('content-type'), size: body.byteLength, sha256: createHash('sha256').update(body).digest('hex'), text: body.byteLength < 200 ? body.toString() : undefined })
  }
} finally {
  await verifiedFetch.stop()
  await helia.stop()
}
console.log(JSON.stringify(out))
