import fs from 'node:fs'
import { Repo } from '../repo/repo.js'
import { headFileName, ipnsRecordFileName } from '../model/head.js'
import { dagJsonCid } from '../model/commit.js'
import { didOfIpnsName } from '../model/ipns.js'
import { isDid } from '../model/did.js'
import { IPNS_RECORD_TYPE, RAW_TYPE, disposition, ipfsAnswer, requestedFormat } from './gateway.js'
import { HttpError, Route, send } from './server.js'

/**
 * What anyone may read: the IPFS trustless-gateway forms (/ipfs/{cid}, and
 * /ipns/{name} and the delegated routing API's /routing/v1/ipns/{name} for
 * the signed IPNS record of a published head), and acache's own
 * /acache/v1/head/{did}. Only what is here is served: a stranger's read
 * never makes this server fetch what a partial fetch left out.
 */
export function readRoutes (repo: Repo): Route[] {
  const GET = ['GET', 'HEAD']
  return [
    {
      methods: GET,
      cors: true,
      path: /^\/ipfs\//,
      handle: async ({ req, res, url }) => {
        const a = await ipfsAnswer(repo.store.offline(), { method: req.method as 'GET' | 'HEAD', path: url.pathname, params: url.searchParams, accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] })
        res.writeHead(a.status, a.headers)
        if (a.body === undefined) { res.end(); return }
        if (a.body instanceof Uint8Array) { res.end(a.body); return }
        for await (const chunk of a.body) { if (!(await send(res, chunk))) break }
        res.end()
      }
    },
    {
      // The IPNS form. A name is a key as IPNS writes it (k51..., the libp2p-key
      // CID) or as acache does (did:key:...): format=ipns-record gives the
      // signed IPNS record of its head, format=raw the acache head itself.
      // The delegated routing API's IPNS form (specs.ipfs.tech/routing/http-routing-v1) is the same record.
      methods: GET,
      cors: true,
      path: /^\/(ipns|routing\/v1\/ipns)\/([^/]+)\/?$/,
      handle: async ({ req, res, url, match }) => {
        const routing = match[1] !== 'ipns'
        let name: string
        try { name = decodeURIComponent(match[2]) } catch { throw new HttpError(400, 'the name is not valid percent-encoding') }
        const did = isDid(name) ? name : await didOfIpnsName(name)
        if (did === undefined) throw new HttpError(400, `${name.slice(0, 100)} is neither an Ed25519 IPNS name nor a did:key`)
        const { format, fromAccept } = routing ? { format: 'ipns-record', fromAccept: false } : requestedFormat(url.searchParams, req.headers.accept, ['ipns-record', 'raw'])
        const file = repo.layout.published(format === 'raw' ? headFileName(did) : ipnsRecordFileName(did))
        let bytes: Buffer
        try { bytes = fs.readFileSync(file) } catch { throw new HttpError(404, `no ${format === 'raw' ? 'head' : 'IPNS record'} published here for ${name}`) }
        res.writeHead(200, {
          'Content-Type': format === 'raw' ? RAW_TYPE : IPNS_RECORD_TYPE,
          'Content-Length': bytes.byteLength,
          'Content-Disposition': disposition(url.searchParams, `${name}.${format === 'raw' ? 'bin' : 'ipns-record'}`),
          'Cache-Control': 'no-cache',
          ...(fromAccept ? { 'Content-Location': `${url.pathname}?format=${format}` } : {}),
          ...(format === 'raw' ? { Etag: `"${dagJsonCid(bytes).toString()}.raw"` } : {})
        })
        res.end(req.method === 'HEAD' ? undefined : bytes)
      }
    },
    {
      // content routing and the rest of the read paths: this server knows only what it holds, and says so by serving it
      methods: GET,
      cors: true,
      path: /^\/(ipns|routing\/v1)\//,
      handle: async ({ url }) => {
        throw new HttpError(404, /^\/routing\/v1\/(providers|peers)\//.test(url.pathname) ? 'no routing records here: ask /ipfs/{cid} directly' : 'not found')
      }
    },
    {
      methods: ['GET'],
      path: /^\/acache\/v1\/head\/(did:key:[a-zA-Z0-9]+)$/,
      handle: async ({ res, match }) => {
        let bytes: Buffer
        try { bytes = fs.readFileSync(repo.layout.published(headFileName(match[1]))) } catch { throw new HttpError(404, `no head published for ${match[1]}`) }
        res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.dag-json', 'Content-Length': bytes.byteLength, 'Cache-Control': 'no-cache' })
        res.end(bytes)
      }
    }
  ]
}
