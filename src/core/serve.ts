import http from 'node:http'
import fs from 'node:fs'
import { once } from 'node:events'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { AcacheError, ErrorCode, fail } from '../errors.js'
import { nullStore } from '../store/blockstore.js'
import { decodeHead, headFileName, ipnsRecordFileName } from '../model/head.js'
import { DAG_JSON, dagJsonCid } from '../model/commit.js'
import { publishLocal } from '../remote/directory.js'
import { readCar } from '../remote/car.js'
import { BLOCK_ABSENT, BLOCK_LATER } from '../remote/http.js'
import { GatewayError, IPNS_RECORD_TYPE, RAW_TYPE, disposition, ipfsAnswer, requestedFormat } from '../remote/gateway.js'
import { checkIpnsRecord, didOfIpnsName } from '../model/ipns.js'
import { isDid } from '../model/did.js'
import { acceptArrival } from '../accept/arrival.js'
import { acceptPushedAsRemote } from '../accept/refs.js'
import { checkPushedHead } from '../accept/head.js'
import { removeStage, staging } from '../accept/staging.js'
import { Ctx, defaultCtx, noProgress } from '../context.js'
import { acquireLock } from '../repo/lock.js'
import { loadIdentity } from '../identity/identity.js'
import { publishedState } from './push.js'
import { blockLinks } from '../model/dag.js'

export interface ServeOptions {
  host?: string
  port?: number
  /** keys allowed to push (besides the repository's remotes and trusted list) */
  trusted?: string[]
  /** largest accepted upload, in bytes */
  maxUpload?: number
  /** pushes received side by side at most (more wait: 503 with Retry-After) */
  maxPushes?: number
  /** bytes staged by all pushes under way together, at most */
  maxStaging?: number
  /** a client silent this long is dropped (ACACHE_SERVE_IDLE_MS; default 30 s) */
  idleMs?: number
  log?: (line: string) => void
  /** asked first for each request; true when it answered (the web view, web/view.ts, which the CLI passes) */
  web?: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean>
}


class HttpError extends Error {
  constructor (readonly status: number, message: string, readonly headers: Record<string, string> = {}) { super(message) }
}

/** The HTTP status for a failure, by its code (never by its text). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  OWNERSHIP: 403, BAD_SIGNATURE: 403, UNTRUSTED_KEY: 403, REPLAY: 409, TOO_LARGE: 413,
  MISSING_OBJECT: 422, BAD_OBJECT: 422, BAD_TREE_ENTRY: 422, CORRUPT_OBJECT: 422, BAD_INPUT: 400, LOCKED: 503, NO_SPACE: 507
}

function asHttpError (err: unknown): HttpError {
  if (err instanceof HttpError) return err
  if (err instanceof GatewayError) return new HttpError(err.status, err.message)
  if (err instanceof AcacheError) return new HttpError(STATUS[err.code] ?? 500, err.message)
  return new HttpError(500, (err as Error)?.message ?? String(err))
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
  const maxPushes = opts.maxPushes ?? 4
  const maxStaging = opts.maxStaging ?? 32 * 1024 ** 3
  let pushing = 0
  let staged = 0
  const idleMs = opts.idleMs ?? (Number(process.env.ACACHE_SERVE_IDLE_MS) > 0 ? Number(process.env.ACACHE_SERVE_IDLE_MS) : 30_000)
  const log = opts.log ?? (() => {})
  let landing: Promise<void> = Promise.resolve()
  const trusted = (): Set<string> => {
    const cfg = Repo.readConfig(repo.dir)
    return new Set([...(opts.trusted ?? []), ...cfg.trusted, ...Object.values(cfg.remotes).map(r => r.key)])
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    // (not new URL(path, base): a path starting with // would be taken for a host)
    const url = new URL('http://x' + (req.url ?? '/'))
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (opts.web !== undefined && await opts.web(req, res, url)) return
    // reads are for anyone, from any page (as a public gateway's are); a push is not a browser's business
    const read = url.pathname.startsWith('/ipfs/') || url.pathname.startsWith('/ipns/') || url.pathname.startsWith('/routing/v1/')
    if (read) {
      res.setHeader('Access-Control-Allow-Origin', '*')
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS')
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Range, User-Agent, X-Requested-With, If-None-Match')
      res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Type, Content-Disposition, Content-Location, Etag, X-Content-Type-Options, X-Ipfs-Path, X-Ipfs-Roots')
      if (req.method === 'OPTIONS') { res.writeHead(204, { Allow: 'GET, HEAD, OPTIONS' }); res.end(); return }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method ?? ''} is not allowed here: GET, HEAD or OPTIONS`, { Allow: 'GET, HEAD, OPTIONS' })
    }
    // content routing: this server knows only what it holds, and says so by serving it
    if (/^\/routing\/v1\/(providers|peers)\//.test(url.pathname)) throw new HttpError(404, 'no routing records here: ask /ipfs/{cid} directly')
    if (url.pathname.startsWith('/ipfs/')) {
      // what is here only: a stranger's read never makes this server fetch what a partial fetch left out
      const a = await ipfsAnswer(repo.store.offline(), { method: req.method as 'GET' | 'HEAD', path: url.pathname, params: url.searchParams, accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] })
      res.writeHead(a.status, a.headers)
      if (a.body === undefined) { res.end(); return }
      if (a.body instanceof Uint8Array) { res.end(a.body); return }
      for await (const chunk of a.body) { if (!res.write(chunk)) await once(res, 'drain') }
      res.end()
      return
    }
    // The IPNS form. A name is a key as IPNS writes it (k51..., the libp2p-key
    // CID) or as acache does (did:key:...): format=ipns-record gives the
    // signed IPNS record of its head, format=raw the acache head itself.
    // The delegated routing API's IPNS form (specs.ipfs.tech/routing/http-routing-v1) is the same record.
    const ipns = /^\/ipns\/([^/]+)\/?$/.exec(url.pathname) ?? /^\/routing\/v1\/ipns\/([^/]+)\/?$/.exec(url.pathname)
    if (ipns !== null) {
      const routing = url.pathname.startsWith('/routing/')
      if (routing && req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'IPNS records are published here by a push, not by PUT', { Allow: 'GET, HEAD, OPTIONS' })
      let name: string
      try { name = decodeURIComponent(ipns[1]) } catch { throw new HttpError(400, 'the name is not valid percent-encoding') }
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
      return
    }
    const head = /^\/acache\/v1\/head\/(did:key:[a-zA-Z0-9]+)$/.exec(url.pathname)
    if (head !== null && req.method === 'GET') {
      let bytes: Buffer
      try { bytes = fs.readFileSync(repo.layout.published(headFileName(head[1]))) } catch { throw new HttpError(404, `no head published for ${head[1]}`) }
      res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.dag-json', 'Content-Length': bytes.byteLength, 'Cache-Control': 'no-cache' })
      res.end(bytes)
      return
    }
    if (url.pathname === '/acache/v1/has' && req.method === 'POST') {
      // which of these blocks are here (a pusher's question, asked once for a directory's files instead of once a file)
      req.setTimeout(idleMs, () => { req.destroy(new HttpError(408, 'the request stalled')) })
      const cids = await readCidList(req)
      const store = repo.store.offline()
      const answer = Buffer.alloc(cids.length)
      for (const [i, c] of cids.entries()) answer[i] = (await store.has(c)) ? 0x31 : 0x30
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': answer.byteLength })
      res.end(answer)
      return
    }
    if (url.pathname === '/acache/v1/blocks' && req.method === 'POST') {
      // many blocks in one answer (a fetch asks for the files next in line together): each
      // as a 4-byte length and its bytes, in the order asked; what is not here, or past the
      // answer's size, is marked so (the client asks again for those, or elsewhere)
      req.setTimeout(idleMs, () => { req.destroy(new HttpError(408, 'the request stalled')) })
      const cids = await readCidList(req, MAX_BLOCKS_ASKED)
      const store = repo.store.offline()
      const parts: Buffer[] = []
      let size = 0
      // read (and checked) four at a time, on the thread pool; answered in the order asked
      const reading: Array<Promise<Uint8Array | undefined>> = []
      const read = (i: number): void => { if (i < cids.length) reading[i] = store.get(cids[i]).catch(() => undefined) }
      for (let i = 0; i < 4; i++) read(i)
      for (let i = 0; i < cids.length; i++) {
        const head = Buffer.alloc(4)
        const bytes = size < MAX_BLOCKS_ANSWER ? await reading[i] : undefined
        if (size < MAX_BLOCKS_ANSWER) read(i + 4)
        else reading[i]?.catch(() => {})
        head.writeUInt32BE(bytes !== undefined ? bytes.byteLength : size < MAX_BLOCKS_ANSWER ? BLOCK_ABSENT : BLOCK_LATER)
        parts.push(head)
        if (bytes !== undefined) { parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)); size += bytes.byteLength }
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': parts.reduce((n, b) => n + b.byteLength, 0) })
      for (const b of parts) if (!res.write(b)) await once(res, 'drain')
      res.end()
      return
    }
    if (url.pathname === '/acache/v1/push' && req.method === 'POST') {
      // a client that stops sending is dropped, and holds nobody up meanwhile
      req.setTimeout(idleMs, () => { req.destroy(new HttpError(408, 'the upload stalled')) })
      const r = await receivePush(req)
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(r))
      return
    }
    throw new HttpError(404, 'not found')
  }

  /**
   * A push: the CAR's first block must be its root, a head signed by a key
   * this server trusts, above the seq published; all of that is checked
   * before any other byte is read or stored. The rest is staged (each
   * section within the block size limit, each block checked), received and
   * admitted exactly as a fetch is (core/accept.ts); uploads run side by
   * side, only the short landing step takes turns.
   */
  const receivePush = async (req: http.IncomingMessage): Promise<{ key: string, seq: number, blocks: number }> => {
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (declared > maxUpload) throw new HttpError(413, `upload larger than ${maxUpload} bytes`)
    if (pushing >= maxPushes) throw new HttpError(503, `${maxPushes} pushes are being received already: try again shortly`, { 'Retry-After': '5' })
    pushing++
    let mine = 0
    const stage = staging(repo)
    try {
      let received = 0
      const limited = (async function * () {
        for await (const chunk of req) {
          received += (chunk as Buffer).byteLength
          if (received > maxUpload) throw new HttpError(413, `upload larger than ${maxUpload} bytes`)
          yield chunk as Uint8Array
        }
      })()
      let headBytes: Uint8Array
      let h
      try {
        const car = await readCar(limited)
        if (car.roots.length !== 1 || car.roots[0].code !== DAG_JSON) throw new HttpError(400, 'the CAR must have one root: a signed head')
        const first = await car.blocks.next()
        if (first.done === true || !first.value.cid.equals(car.roots[0])) throw new HttpError(400, 'the CAR\'s first block must be its root head')
        headBytes = first.value.bytes
        // the one list of what a head must be (services/accept.ts), as for every fetch
        h = checkPushedHead(headBytes, (key) => trusted().has(key), publishedSeq).head
        // staged only what the head reaches, walked while it arrives: each block must be linked from the head or a block before it
        const reached = new Set(Object.values(h.heads).map(String))
        for await (const { cid, bytes } of car.blocks) {
          if (!reached.has(cid.toString())) throw new HttpError(400, `block ${cid} is not reached from the pushed head through the blocks before it (send the CAR parents first, as acache push and ipfs dag export do)`)
          for (const l of blockLinks(cid, bytes)) reached.add(l.toString())
          if (staged + bytes.byteLength > maxStaging) throw new HttpError(507, `the pushes under way would stage more than ${maxStaging} bytes here: try again later`, { 'Retry-After': '60' })
          staged += bytes.byteLength
          mine += bytes.byteLength
          await stage.put(cid, bytes)
        }
      } catch (err) {
        if (err instanceof HttpError) throw err
        if (err instanceof AcacheError) {
          // what the head rules said: a head that is not one is bad input, a signature that does not match unauthorized
          if (err.code === 'BAD_OBJECT' || err.code === 'BAD_INPUT') throw new HttpError(400, err.message)
          if (err.code === 'BAD_SIGNATURE') throw new HttpError(401, err.message)
          if (err.code !== 'CORRUPT_OBJECT') throw asHttpError(err)
        }
        throw new HttpError(400, `not a valid CAR upload: ${(err as Error).message}`)
      }
      const head = h
      // the head as an IPNS record too (optional): it must be the key's, for exactly this head
      const recordHeader = req.headers['x-acache-ipns-record']
      const record = typeof recordHeader === 'string' ? Buffer.from(recordHeader, 'base64') : undefined
      if (record !== undefined) {
        try { await checkIpnsRecord(head.key, record, dagJsonCid(headBytes), head.seq) } catch (err) { throw new HttpError(400, (err as Error).message) }
      }
      const get = async (cid: CID): Promise<Uint8Array> => {
        if (!(await stage.has(cid))) throw new HttpError(422, `the upload lacks block ${cid}`)
        return await stage.get(cid)
      }
      // landing takes turns (in this process) and the repository lock (against others)
      let turnDone = (): void => {}
      const { pulled, result: asRemote } = await acceptArrival(repo, defaultCtx({ progress: noProgress }), {
        what: 'receiving a push',
        head,
        headBytes,
        get,
        stage,
        receiveInto: nullStore,
        lock: async () => {
          const before = landing
          landing = new Promise<void>(resolve => { turnDone = resolve })
          await before
          try {
            const release = acquireLock(repo.layout.lock)
            return () => { release(); turnDone() }
          } catch (err) {
            turnDone()
            throw err
          }
        },
        recheck: () => { checkPushedHead(headBytes, (key) => trusted().has(key), publishedSeq) },
        settle: (_pulled, headCid) => {
          publishLocal(repo.layout, head.key, headBytes, record)
          // a friend's push is theirs to see here too: their remote-tracking refs move, as a fetch from them would move them
          return acceptPushedAsRemote(repo, head, headCid, headBytes)
        }
      })
      log(`accepted head seq ${head.seq} from ${head.key}: ${pulled.blocks} new blocks`)
      if (asRemote !== undefined) for (const u of asRemote.refs) log(`  ${u.ref.replace('refs/remotes/', '')} ${u.new === undefined ? 'deleted' : u.old === undefined ? `is ${u.new}` : `${u.old} -> ${u.new}`}${u.rejected !== undefined ? ` (refused: ${u.rejected})` : ''}`)
      return { key: head.key, seq: head.seq, blocks: pulled.blocks }
    } catch (err) {
      throw asHttpError(err)
    } finally {
      removeStage(stage)
      staged -= mine
      pushing--
    }
  }

  /** The seq this server publishes for `key`, if it publishes a head of it. */
  const publishedSeq = (key: string): number | undefined => {
    let current: Buffer | undefined
    try { current = fs.readFileSync(repo.layout.published(headFileName(key))) } catch { current = undefined }
    return current === undefined ? undefined : decodeHead(current).seq
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      const e = asHttpError(err)
      if (e.status >= 500) log(`error on ${req.method} ${req.url}: ${e.message}`)
      if (!res.headersSent) {
        // a refused upload is not read on: answer, then close the connection
        const refusedUpload = req.method === 'POST' && !req.complete
        res.writeHead(e.status, { 'Content-Type': 'application/json', ...e.headers, ...(refusedUpload ? { Connection: 'close' } : {}) })
        res.end(JSON.stringify({ error: e.message }))
        // (after a grace: a client on a loaded machine must get to read the answer before its next write fails)
        if (refusedUpload) res.once('finish', () => setTimeout(() => req.socket.destroy(), 2000).unref())
      } else {
        res.destroy()
      }
    })
  })
  // slow or silent clients are dropped: headers within 20 s, a whole request within the idle limit of each read
  server.headersTimeout = 20_000
  server.requestTimeout = 0 // an upload may be large; idleMs bounds each wait instead
  // a connection between requests is kept as long as any idle one (Node's 5 s makes a client
  // that pauses a few seconds race the close: its next request fails with "other side closed")
  server.keepAliveTimeout = idleMs
  server.on('connection', (sock) => { sock.setTimeout(idleMs, () => sock.destroy()) })
  server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1')
  try {
    await once(server, 'listening')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      fail('UNREACHABLE', `cannot serve on ${opts.host ?? '127.0.0.1'}:${opts.port ?? 8080}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.code === 'EACCES' ? 'permission denied' : 'no such address here'}`, { hint: e.code === 'EADDRINUSE' ? 'choose another with --port (0 picks a free one)' : undefined })
    }
    throw err
  }
  const addr = server.address() as import('node:net').AddressInfo
  return {
    server,
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: async () => { server.closeAllConnections(); server.close(); await once(server, 'close').catch(() => {}) }
  }
}

/**
 * `acache serve` as the command runs it: you (the identity in `ctx.home`)
 * may always publish here; and what friends will see, when it is not your
 * branches yet, is said (`warning`).
 */
export async function serveRepository (repo: Repo, ctx: Ctx, opts: ServeOptions = {}): Promise<Awaited<ReturnType<typeof serve>> & { warning?: string }> {
  const own = loadIdentity(ctx.home)?.key
  const s = await serve(repo, { ...opts, trusted: [...(opts.trusted ?? []), ...(own !== undefined ? [own] : [])] })
  if (own === undefined) return s
  const p = publishedState(repo, own)
  const warning = p.seq === undefined
    ? 'nothing of yours is published here yet: friends see your branches only after `acache push`'
    : p.behind.length > 0 ? `your published head (seq ${p.seq}) is behind your branches (${p.behind.join(', ')}): \`acache push\` publishes them` : undefined
  return { ...s, warning }
}

/** The most CIDs one /acache/v1/has request may ask about (and so the bytes it may send). */
export const MAX_HAS_CIDS = 16384

/** The most blocks one /acache/v1/blocks request may ask for, and the bytes of blocks one answer carries (then BLOCK_LATER). */
export const MAX_BLOCKS_ASKED = 1024
export const MAX_BLOCKS_ANSWER = 16 * 1024 * 1024

/** A /acache/v1/has or /blocks body: one CID a line, at most `max` of them; anything else is a 400 or a 413. */
async function readCidList (req: http.IncomingMessage, max = MAX_HAS_CIDS): Promise<CID[]> {
  const limit = max * 128
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).byteLength
    if (size > limit) throw new HttpError(413, `ask about at most ${max} blocks at once`)
    chunks.push(c as Buffer)
  }
  const lines = Buffer.concat(chunks).toString('latin1').split('\n').filter(l => l !== '')
  if (lines.length > max) throw new HttpError(413, `ask about at most ${max} blocks at once`)
  return lines.map(l => {
    try { return CID.parse(l) } catch { throw new HttpError(400, `${JSON.stringify(l.slice(0, 100))} is not a CID`) }
  })
}
