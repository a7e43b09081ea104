import http from 'node:http'
import { once } from 'node:events'
import { CID } from 'multiformats/cid'
import { AcacheError, ErrorCode, fail } from '../errors.js'
import { GatewayError } from './gateway.js'

/**
 * The HTTP server of `acache serve`: a table of routes, each a method, a
 * path pattern and a handler; failures by code to HTTP statuses; the
 * limits every connection is held to (a silent client is dropped, a refused
 * upload is not read on).
 */

export class HttpError extends Error {
  constructor (readonly status: number, message: string, readonly headers: Record<string, string> = {}) { super(message) }
}

/** The HTTP status for a failure, by its code (never by its text). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  OWNERSHIP: 403, BAD_SIGNATURE: 403, UNTRUSTED_KEY: 403, REPLAY: 409, TOO_LARGE: 413,
  MISSING_OBJECT: 422, BAD_OBJECT: 422, BAD_TREE_ENTRY: 422, CORRUPT_OBJECT: 422, BAD_INPUT: 400, LOCKED: 503, REF_MOVED: 409, NO_SPACE: 507
}

export function asHttpError (err: unknown): HttpError {
  if (err instanceof HttpError) return err
  if (err instanceof GatewayError) return new HttpError(err.status, err.message)
  if (err instanceof AcacheError) return new HttpError(STATUS[err.code] ?? 500, err.message)
  return new HttpError(500, (err as Error)?.message ?? String(err))
}

/** What a route gets: the request, the answer, the parsed URL and what its pattern matched. */
export interface Call { req: http.IncomingMessage, res: http.ServerResponse, url: URL, match: RegExpExecArray }

export interface Route {
  /** the methods it answers (GET also answers HEAD where the handler says so) */
  methods: string[]
  path: RegExp
  handle: (call: Call) => Promise<void>
  /** readable by any page (CORS), as a public gateway's reads are; OPTIONS answered */
  cors?: boolean
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Range, User-Agent, X-Requested-With, If-None-Match',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Type, Content-Disposition, Content-Location, Etag, X-Content-Type-Options, X-Ipfs-Path, X-Ipfs-Roots'
}

export interface ServerOptions {
  host?: string
  port?: number
  /** a client silent this long is dropped */
  idleMs: number
  log: (line: string) => void
  /** asked first for each request; true when it answered (the web view) */
  web?: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean>
}

/** What a refused upload may still send, read and thrown away, before its connection is closed. */
const LINGER_BYTES = 64 * 1024 * 1024
const LINGER_MS = 10_000

/**
 * After refusing an upload (507, 413, 503): what the client still sends is
 * read and thrown away, up to a bound, and the connection closed when it
 * stops. Closing at once would make the kernel reset the connection, and a
 * reset can drop our answer before the client reads it (it then says only
 * "EPIPE"). A client that sends more, or keeps sending, is cut off.
 */
function lingerThenClose (req: http.IncomingMessage): void {
  let read = 0
  const cut = (): void => { req.socket.destroy() }
  const timer = setTimeout(cut, LINGER_MS)
  timer.unref()
  req.on('data', (c: Buffer) => { read += c.byteLength; if (read > LINGER_BYTES) cut() })
  req.once('end', () => { clearTimeout(timer); req.socket.end() })
  req.once('close', () => clearTimeout(timer))
  req.resume()
}

/** Listens with `routes`: the first whose path matches answers; a path no route has is 404, a method it does not take 405. */
export async function startServer (routes: Route[], opts: ServerOptions): Promise<{ server: http.Server, url: string, close: () => Promise<void> }> {
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    // (not new URL(path, base): a path starting with // would be taken for a host)
    const url = new URL('http://x' + (req.url ?? '/'))
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (opts.web !== undefined && await opts.web(req, res, url)) return
    for (const route of routes) {
      const match = route.path.exec(url.pathname)
      if (match === null) continue
      if (route.cors === true) {
        for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v)
        if (req.method === 'OPTIONS') { res.writeHead(204, { Allow: 'GET, HEAD, OPTIONS' }); res.end(); return }
      }
      if (!route.methods.includes(req.method ?? '')) {
        throw new HttpError(405, `${req.method ?? ''} is not allowed here: ${route.methods.join(', ')}${route.cors === true ? ' or OPTIONS' : ''}`, { Allow: [...route.methods, ...(route.cors === true ? ['OPTIONS'] : [])].join(', ') })
      }
      await route.handle({ req, res, url, match })
      return
    }
    throw new HttpError(404, 'not found')
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      const e = asHttpError(err)
      if (e.status >= 500) opts.log(`error on ${req.method} ${req.url}: ${e.message}`)
      if (!res.headersSent) {
        // a refused upload is not read on: answer, then close the connection
        const refusedUpload = req.method === 'POST' && !req.complete
        res.writeHead(e.status, { 'Content-Type': 'application/json', ...e.headers, ...(refusedUpload ? { Connection: 'close' } : {}) })
        res.end(JSON.stringify({ error: e.message }))
        if (refusedUpload) lingerThenClose(req)
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
  server.keepAliveTimeout = opts.idleMs
  server.on('connection', (sock) => { sock.setTimeout(opts.idleMs, () => sock.destroy()) })
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
 * Writes a piece of an answer; when the client is slower, waits until it has
 * taken what was sent, or has gone (then false: stop sending).
 */
export async function send (res: http.ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed) return false
  if (res.write(chunk)) return true
  return await new Promise<boolean>(resolve => {
    const done = (ok: boolean) => (): void => { res.off('drain', drained); res.off('close', closed); resolve(ok) }
    const drained = done(true)
    const closed = done(false)
    res.once('drain', drained)
    res.once('close', closed)
  })
}

/** A request's body, a client silent for `idleMs` dropped. */
export function dropWhenIdle (req: http.IncomingMessage, idleMs: number, what = 'the request stalled'): void {
  req.setTimeout(idleMs, () => { req.destroy(new HttpError(408, what)) })
}

/** A body of CIDs, one a line, at most `max` of them; anything else is a 400 or a 413. */
export async function readCidList (req: http.IncomingMessage, max: number): Promise<CID[]> {
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
