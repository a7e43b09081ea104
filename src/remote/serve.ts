import http from 'node:http'
import fs from 'node:fs'
import { once } from 'node:events'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { AcacheError } from '../errors.js'
import { checkBlock, nullStore } from '../store/blockstore.js'
import { decodeHead, headSignedBy, headFileName } from '../model/head.js'
import { DAG_JSON, dagJsonCid } from '../model/commit.js'
import { publishLocal } from './directory.js'
import { walkDag } from './car.js'
import { pullObjects, landBlocks } from './sync.js'
import { checkHistoryOwnership } from '../core/ownership.js'
import { FsBlockStore } from '../store/fs-blockstore.js'
import { acquireLock } from '../repo/lock.js'

export interface ServeOptions {
  host?: string
  port?: number
  /** keys allowed to push (besides the repository's remotes and trusted list) */
  trusted?: string[]
  /** largest accepted upload, in bytes */
  maxUpload?: number
  log?: (line: string) => void
}

const RAW_TYPE = 'application/vnd.ipld.raw'
const CAR_TYPE = 'application/vnd.ipld.car'

class HttpError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

/**
 * `acache serve`: the repository over HTTP. Reads speak the IPFS
 * trustless-gateway form (GET /ipfs/{cid}?format=raw|car), so the same fetch
 * code reads from any trustless gateway; GET /acache/v1/head/{did} gives a
 * key's published head. POST /acache/v1/push takes a CAR whose root is a
 * signed head: accepted only from a trusted key, with a higher seq, once
 * every block it reaches is present and verified; otherwise 4xx with a
 * reason, and the served head does not move.
 */
export async function serve (repo: Repo, opts: ServeOptions = {}): Promise<{ server: http.Server, url: string, close: () => Promise<void> }> {
  const maxUpload = opts.maxUpload ?? 16 * 1024 ** 3
  const log = opts.log ?? (() => {})
  let pushing: Promise<unknown> = Promise.resolve()
  const trusted = (): Set<string> => {
    const cfg = Repo.readConfig(repo.dir)
    return new Set([...(opts.trusted ?? []), ...cfg.trusted, ...Object.values(cfg.remotes).map(r => r.key)])
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    // (not new URL(path, base): a path starting with // would be taken for a host)
    const url = new URL('http://x' + (req.url ?? '/'))
    res.setHeader('X-Content-Type-Options', 'nosniff')
    const ipfs = /^\/ipfs\/([^/]+)\/?$/.exec(url.pathname)
    if (ipfs !== null && (req.method === 'GET' || req.method === 'HEAD')) {
      let cid: CID
      try { cid = CID.parse(ipfs[1]) } catch { throw new HttpError(400, 'not a CID') }
      const accept = req.headers.accept ?? ''
      const format = url.searchParams.get('format') ?? (accept.includes(CAR_TYPE) ? 'car' : accept.includes(RAW_TYPE) ? 'raw' : undefined)
      if (format !== 'raw' && format !== 'car') throw new HttpError(406, 'this is a trustless gateway: ask for ?format=raw or ?format=car')
      if (!(await repo.store.has(cid))) throw new HttpError(404, `block ${cid} not found`)
      res.setHeader('Cache-Control', 'public, max-age=29030400, immutable')
      res.setHeader('Etag', `"${cid.toString()}.${format}"`)
      if (format === 'raw') {
        const bytes = await repo.store.get(cid)
        res.writeHead(200, { 'Content-Type': RAW_TYPE, 'Content-Length': bytes.byteLength })
        res.end(req.method === 'HEAD' ? undefined : bytes)
        return
      }
      res.writeHead(200, { 'Content-Type': `${CAR_TYPE}; version=1; order=dfs; dups=n` })
      if (req.method === 'HEAD') { res.end(); return }
      const { CarWriter } = await import('@ipld/car')
      const { writer, out } = CarWriter.create([cid])
      const piping = (async () => { for await (const chunk of out) { if (!res.write(chunk)) await once(res, 'drain') } res.end() })()
      for await (const block of walkDag(repo.store, cid)) await writer.put(block)
      await writer.close()
      await piping
      return
    }
    // A trustless gateway's IPNS form, with keys for names: the key's signed head as a raw block.
    const ipns = /^\/ipns\/(did(?::|%3A)key(?::|%3A)[a-zA-Z0-9]+)\/?$/i.exec(url.pathname)
    if (ipns !== null && (req.method === 'GET' || req.method === 'HEAD')) {
      const accept = req.headers.accept ?? ''
      if ((url.searchParams.get('format') ?? (accept.includes(RAW_TYPE) ? 'raw' : undefined)) !== 'raw') throw new HttpError(406, 'ask for the head with ?format=raw')
      let bytes: Buffer
      const name = decodeURIComponent(ipns[1])
      try { bytes = fs.readFileSync(repo.path('published', headFileName(name))) } catch { throw new HttpError(404, `no head published for ${name}`) }
      res.writeHead(200, { 'Content-Type': RAW_TYPE, 'Content-Length': bytes.byteLength, 'Cache-Control': 'no-cache', Etag: `"${dagJsonCid(bytes).toString()}.raw"` })
      res.end(req.method === 'HEAD' ? undefined : bytes)
      return
    }
    const head = /^\/acache\/v1\/head\/(did:key:[a-zA-Z0-9]+)$/.exec(url.pathname)
    if (head !== null && req.method === 'GET') {
      let bytes: Buffer
      try { bytes = fs.readFileSync(repo.path('published', headFileName(head[1]))) } catch { throw new HttpError(404, `no head published for ${head[1]}`) }
      res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.dag-json', 'Content-Length': bytes.byteLength, 'Cache-Control': 'no-cache' })
      res.end(bytes)
      return
    }
    if (url.pathname === '/acache/v1/push' && req.method === 'POST') {
      const result = pushing.then(async () => await receivePush(req))
      pushing = result.catch(() => {})
      const r = await result
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(r))
      return
    }
    throw new HttpError(404, 'not found')
  }

  /** One push at a time: staged, verified, landed, then the head moves. */
  const receivePush = async (req: http.IncomingMessage): Promise<{ key: string, seq: number, blocks: number }> => {
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (declared > maxUpload) throw new HttpError(413, `upload larger than ${maxUpload} bytes`)
    const stage = FsBlockStore.init(repo.path('staging', `serve-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`))
    try {
      let received = 0
      const limited = (async function * () {
        for await (const chunk of req) {
          received += (chunk as Buffer).byteLength
          if (received > maxUpload) throw new HttpError(413, `upload larger than ${maxUpload} bytes`)
          yield chunk as Uint8Array
        }
      })()
      const { CarBlockIterator } = await import('@ipld/car')
      let root: CID
      try {
        const it = await CarBlockIterator.fromIterable(limited)
        const roots = await it.getRoots()
        if (roots.length !== 1 || roots[0].code !== DAG_JSON) throw new HttpError(400, 'the CAR must have one root: a signed head')
        root = roots[0]
        for await (const { cid, bytes } of it) {
          try { checkBlock(cid, bytes) } catch { throw new HttpError(400, `block ${cid} does not match its CID`) }
          await stage.put(cid, bytes)
        }
      } catch (err) {
        if (err instanceof HttpError) throw err
        throw new HttpError(400, `not a valid CAR upload: ${(err as Error).message}`)
      }
      if (!(await stage.has(root))) throw new HttpError(400, 'the upload lacks its root head')
      const headBytes = await stage.get(root)
      let h
      try { h = decodeHead(headBytes) } catch (err) { throw new HttpError(400, (err as Error).message) }
      if (!headSignedBy(h, h.key)) throw new HttpError(401, 'the head\'s signature does not match its key')
      if (!trusted().has(h.key)) throw new HttpError(403, `${h.key} is not trusted by this server`)
      const release = acquireLock(repo.dir)
      try {
        let current: Buffer | undefined
        try { current = fs.readFileSync(repo.path('published', headFileName(h.key))) } catch { current = undefined }
        if (current !== undefined && decodeHead(current).seq >= h.seq) throw new HttpError(409, `seq ${h.seq} is not above the published seq ${decodeHead(current).seq}`)
        let pulled
        try {
          pulled = await pullObjects(repo.store, async (cid) => {
            if (!(await stage.has(cid))) throw new HttpError(422, `the upload lacks block ${cid}`)
            return await stage.get(cid)
          }, Object.values(h.heads), nullStore) // the blocks are staged already
          const { layered } = await import('../core/fetch.js')
          await checkHistoryOwnership(repo, pulled.commits, layered(stage, repo.store))
        } catch (err) {
          if (err instanceof HttpError) throw err
          if (err instanceof AcacheError) throw new HttpError(err.exitCode === 4 ? 403 : 422, err.message)
          throw err
        }
        await landBlocks(pulled.order, stage, repo.store)
        await repo.store.put(dagJsonCid(headBytes), headBytes)
        await repo.store.settle?.([dagJsonCid(headBytes)])
        publishLocal(repo.dir, h.key, headBytes)
        log(`accepted head seq ${h.seq} from ${h.key}: ${pulled.blocks} new blocks`)
        return { key: h.key, seq: h.seq, blocks: pulled.blocks }
      } finally {
        release()
      }
    } finally {
      fs.rmSync(stage.dir, { recursive: true, force: true })
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      const status = err instanceof HttpError ? err.status : err instanceof AcacheError ? (err.code === 'MISSING_OBJECT' ? 404 : 500) : 500
      const message = (err as Error).message
      if (status >= 500) log(`error on ${req.method} ${req.url}: ${message}`)
      if (!res.headersSent) {
        res.writeHead(status, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ error: message }))
      } else {
        res.destroy()
      }
      // drain what the client is still sending, so it reads our answer
      req.resume()
    })
  })
  server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1')
  await once(server, 'listening')
  const addr = server.address() as import('node:net').AddressInfo
  return {
    server,
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: async () => { server.closeAllConnections(); server.close(); await once(server, 'close').catch(() => {}) }
  }
}
