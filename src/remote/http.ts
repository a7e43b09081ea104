import http from 'node:http'
import https from 'node:https'
import { once } from 'node:events'
import { PassThrough, type Readable } from 'node:stream'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { Transport } from './transport.js'
import { AcacheError, fail } from '../errors.js'
import { MAX_BLOCK_BYTES, MAX_HEAD_BYTES } from '../model/limits.js'
import { missing } from '../store/blockstore.js'
import { tally } from '../util/trace.js'
import { knobNumber } from '../util/knobs.js'
import { ownedBuffer } from '../util/owned.js'

interface Reply { status: number, body: Buffer, headers: http.IncomingHttpHeaders }

/** Answers other than blocks and heads (a push's result, an error) are small. */
const MAX_REPLY_BYTES = 1024 * 1024
/** How many blocks one /acache/v1/blocks request asks for (serve answers up to 1,024), and the answer's bound. */
const BLOCKS_BATCH = 256
const BLOCKS_REPLY_LIMIT = 16 * 1024 * 1024 + MAX_BLOCK_BYTES + 4 * 1024 + 1024
/** In a /acache/v1/blocks answer: the length that says a block is not there, and the one that says "ask again". */
export const BLOCK_ABSENT = 0xffffffff
export const BLOCK_LATER = 0xfffffffe

interface BlockWanted { cid: CID, resolve: (b: Uint8Array) => void, reject: (err: Error) => void }

/** How many CIDs one /acache/v1/has question carries (serve answers up to 16,384). */
const HAS_BATCH = 4096

class Unreachable extends Error {}

/** How much of a push is gathered before it is written to the connection. */
const UPLOAD_CHUNK = 1024 * 1024

/**
 * A CAR written into a request body as blocks come: sections gathered into
 * 1 MiB pieces (not three writes a block), each written once the
 * connection has taken the one before. Stops taking blocks once the server
 * has answered (a refusal sent while we were still sending).
 */
class CarUpload {
  private piece = Buffer.allocUnsafe(UPLOAD_CHUNK)
  private used = 0
  private answered = false
  ended = false

  constructor (private readonly body: PassThrough, readonly answer: Promise<Reply>) {
    answer.then(() => { this.answered = true }, () => { this.answered = true })
  }

  /** The CAR's header, naming `root`, and `root` as its first block. */
  async start (root: CID, bytes: Uint8Array): Promise<void> {
    const { createWriter, addBlock, close, headerLength, blockLength } = await import('@ipld/car/buffer-writer')
    const w = createWriter(new ArrayBuffer(headerLength({ roots: [root] }) + blockLength({ cid: root, bytes })), { roots: [root] })
    addBlock(w, { cid: root, bytes })
    await this.write(close(w))
  }

  /** Adds a block; false when the server has answered already (the answer says why). */
  async add (cid: CID, bytes: Uint8Array): Promise<boolean> {
    if (this.answered) return false
    const length = cid.bytes.byteLength + bytes.byteLength
    const head = varint.encodingLength(length) + cid.bytes.byteLength
    if (this.used + head + bytes.byteLength > UPLOAD_CHUNK) await this.flush()
    if (head + bytes.byteLength > UPLOAD_CHUNK) {
      // larger than a piece (a 1 MiB leaf): its head, then its bytes as they are
      const h = Buffer.allocUnsafe(head)
      varint.encodeTo(length, h, 0)
      h.set(cid.bytes, head - cid.bytes.byteLength)
      await this.write(h)
      await this.write(bytes)
    } else {
      varint.encodeTo(length, this.piece, this.used)
      this.piece.set(cid.bytes, this.used + head - cid.bytes.byteLength)
      this.piece.set(bytes, this.used + head)
      this.used += head + bytes.byteLength
    }
    return !this.answered
  }

  /** Sends what is left and ends the body: the server's answer. */
  async end (): Promise<Reply> {
    if (!this.answered) {
      await this.flush()
      this.ended = true
      this.body.end()
    }
    return await this.answer
  }

  abort (): void {
    this.body.destroy()
  }

  private async flush (): Promise<void> {
    if (this.used === 0) return
    const full = this.piece.subarray(0, this.used)
    this.piece = Buffer.allocUnsafe(UPLOAD_CHUNK)
    this.used = 0
    await this.write(full)
  }

  /** Writes, and waits while the connection has a piece in hand (or until the server answers). */
  private async write (bytes: Uint8Array): Promise<void> {
    if (this.answered) return
    if (!this.body.write(bytes)) await Promise.race([once(this.body, 'drain'), this.answer.catch(() => {})])
  }
}

/**
 * Reads a /acache/v1/blocks answer as it arrives: for each block asked for,
 * in order, a 4-byte big-endian length and that many bytes (BLOCK_ABSENT:
 * not there; BLOCK_LATER: ask again). A length over the block limit, more
 * bytes in all than the answer's bound, or an answer that ends before every
 * block is accounted for is an error (the answer is hostile input).
 */
class BlocksAnswer {
  readonly again: BlockWanted[] = []
  private i = 0
  private readonly header = Buffer.alloc(4)
  private headerFilled = 0
  private block?: Buffer
  private filled = 0
  private total = 0

  constructor (private readonly q: BlockWanted[], private readonly url: string) {}

  /** Takes the next piece of the answer; an error when it cannot be what was asked for. */
  push (c: Buffer): Error | undefined {
    this.total += c.byteLength
    if (this.total > BLOCKS_REPLY_LIMIT) return tooLarge(this.url, BLOCKS_REPLY_LIMIT)
    let at = 0
    while (at < c.byteLength) {
      if (this.i >= this.q.length) return undefined // more than was asked for: not read
      if (this.block === undefined) {
        const n = Math.min(4 - this.headerFilled, c.byteLength - at)
        c.copy(this.header, this.headerFilled, at, at + n)
        this.headerFilled += n
        at += n
        if (this.headerFilled < 4) break
        this.headerFilled = 0
        const length = this.header.readUInt32BE(0)
        const w = this.q[this.i]
        if (length === BLOCK_ABSENT) { this.i++; w.reject(missing(w.cid)); continue }
        if (length === BLOCK_LATER) { this.i++; this.again.push(w); continue }
        if (length > MAX_BLOCK_BYTES) return new AcacheError('TOO_LARGE', `${this.url} sent a block of ${length} bytes, over the ${MAX_BLOCK_BYTES}-byte limit`)
        // a buffer of its own (not a slice of Node's pool): a leaf thread can take it whole
        this.block = ownedBuffer(length)
        this.filled = 0
      }
      const n = Math.min(this.block.byteLength - this.filled, c.byteLength - at)
      c.copy(this.block, this.filled, at, at + n)
      this.filled += n
      at += n
      if (this.filled === this.block.byteLength) {
        const w = this.q[this.i++]
        const b = this.block
        this.block = undefined
        w.resolve(b)
      }
    }
    return undefined
  }

  /** The answer ended: an error unless every block asked for was answered. */
  end (): Error | undefined {
    return this.i < this.q.length ? new AcacheError('BAD_INPUT', `${this.url} sent an answer for ${this.q.length} blocks that stops short`) : undefined
  }

  /** The blocks not answered yet get `err`. */
  abandon (err: Error): void {
    for (const w of this.q.slice(this.i)) w.reject(err)
    this.i = this.q.length
  }
}

/** How long a server may stay silent before we give up (ACACHE_NET_TIMEOUT_MS; default 30 s). */
export function netTimeoutMs (): number {
  return knobNumber('ACACHE_NET_TIMEOUT_MS', 30_000)
}

function tooLarge (url: string, limit: number): AcacheError {
  return new AcacheError('TOO_LARGE', `${url} sent an answer larger than ${limit} bytes; refusing it`, { data: { limit } })
}

/**
 * A remote over HTTP: `acache serve`, or for reading any IPFS trustless
 * gateway (blocks as GET /ipfs/{cid}?format=raw). Pushed blocks are gathered
 * in a temporary CAR that is sent with the head in one POST. A URL ending in
 * /ipns/NAME reads the signed head the gateway resolves NAME to
 * (GET /ipns/NAME?format=raw) and is read-only.
 */
export class HttpTransport implements Transport {
  private readonly base: URL
  private readonly agent: http.Agent
  /** The push being sent (openPush), its blocks written into the request as they come. */
  private upload?: CarUpload

  /** the IPNS name whose target is the signed head, for a gateway URL …/ipns/NAME */
  readonly ipnsName?: string

  constructor (readonly url: string) {
    const gw = /^(.*\/)ipns\/([^/?#]+)\/?$/.exec(url)
    if (gw !== null) this.ipnsName = decodeURIComponent(gw[2])
    this.base = new URL(gw !== null ? gw[1] : url.endsWith('/') ? url : url + '/')
    this.agent = new (this.base.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 8 })
  }

  /**
   * One request. The answer is read up to `limit` bytes (a block, a head:
   * a server that sends more is cut off), and a server silent for
   * netTimeoutMs() is given up on: no answer can hold a fetch forever.
   */
  private async request (method: string, p: string, body?: Readable | Buffer, headers: Record<string, string | number> = {}, limit = MAX_REPLY_BYTES, timeout = netTimeoutMs()): Promise<Reply> {
    return await this.send(method, p, body, headers, timeout, (res, req, resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      const declared = Number(res.headers['content-length'] ?? NaN)
      if (declared > limit) { req.destroy(); reject(tooLarge(this.url, limit)); return }
      res.on('data', (c: Buffer) => {
        size += c.byteLength
        if (size > limit) { req.destroy(); reject(tooLarge(this.url, limit)); return }
        chunks.push(c)
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }))
      // a refusal sent while we were still sending (507 to a push too large), then the connection closed:
      // the refusal is the answer, whole or not (a 200 cut short is not)
      res.on('close', () => { if (!res.complete && (res.statusCode ?? 0) >= 400) resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }) })
    })
  }

  /**
   * Sends one request; `answer` reads the response (and resolves or
   * rejects). A server silent for `timeout` is given up on, and network
   * failures become UNREACHABLE.
   */
  private async send<T> (method: string, p: string, body: Readable | Buffer | undefined, headers: Record<string, string | number>, timeout: number, answer: (res: http.IncomingMessage, req: http.ClientRequest, resolve: (v: T) => void, reject: (err: Error) => void) => void): Promise<T> {
    const target = new URL(p.replace(/^\//, ''), this.base)
    const lib = target.protocol === 'https:' ? https : http
    return await new Promise<T>((resolve, reject) => {
      let answered = false
      const req = lib.request(target, { method, agent: this.agent, headers }, (res) => {
        answered = true
        res.on('error', reject)
        answer(res, req, resolve, reject)
      })
      req.setTimeout(timeout, () => req.destroy(new Unreachable(`${this.url} sent nothing for ${timeout / 1000} s`)))
      req.on('error', (err: NodeJS.ErrnoException) => {
        // the server answered, then stopped reading what we still sent (a refused upload): its answer stands
        if (answered && (err.code === 'EPIPE' || err.code === 'ECONNRESET')) return
        reject(err instanceof Unreachable || err instanceof AcacheError ? err
          : err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ECONNRESET' || err.code === 'EHOSTUNREACH'
            ? new Unreachable(`cannot reach ${this.url}: ${err.code}`)
            : err)
      })
      if (Buffer.isBuffer(body)) req.end(body)
      else if (body !== undefined) body.pipe(req)
      else req.end()
    }).catch((err: Error) => {
      if (err instanceof AcacheError) throw err
      return fail('UNREACHABLE', err instanceof Unreachable ? err.message : `cannot reach ${this.url}: ${err.message}`, { hint: 'is the server running? (acache serve)' })
    })
  }

  private reason (r: Reply): string {
    try { return JSON.parse(r.body.toString()).error ?? r.body.toString() } catch { return r.body.toString().slice(0, 200) }
  }

  async getHead (key: string): Promise<Uint8Array | undefined> {
    if (this.ipnsName !== undefined) {
      const g = await this.request('GET', `ipns/${encodeURI(this.ipnsName)}?format=raw`, undefined, { Accept: 'application/vnd.ipld.raw' }, MAX_HEAD_BYTES)
      if (g.status === 404) return undefined
      if (g.status !== 200) fail('UNREACHABLE', `${this.url} answered ${g.status} for the head: ${this.reason(g)}`)
      return g.body
    }
    const r = await this.request('GET', `acache/v1/head/${key}`, undefined, {}, MAX_HEAD_BYTES)
    if (r.status === 404) return undefined
    if (r.status !== 200) fail('UNREACHABLE', `${this.url} answered ${r.status} for the head: ${this.reason(r)}`)
    return r.body
  }

  /**
   * A block's bytes. The blocks asked for in one turn (a fetch asks for the
   * files next in line together) go as one POST /acache/v1/blocks to an
   * acache server; a gateway without it is asked block by block.
   */
  async getBlock (cid: CID): Promise<Uint8Array> {
    tally('fetched')
    if (this.batchBlocks === false || this.ipnsName !== undefined) return await this.getOne(cid)
    return await new Promise((resolve, reject) => {
      this.blockQueue.push({ cid, resolve, reject })
      if (this.blockQueue.length === 1) setImmediate(() => { for (let q = this.blockQueue.splice(0); q.length > 0; q = q.slice(BLOCKS_BATCH)) void this.askBlocks(q.slice(0, BLOCKS_BATCH)) })
    })
  }

  private readonly blockQueue: BlockWanted[] = []
  /** whether the server answers /acache/v1/blocks (undefined: not asked yet) */
  private batchBlocks: boolean | undefined

  private async getOne (cid: CID): Promise<Uint8Array> {
    const r = await this.request('GET', `ipfs/${cid}?format=raw`, undefined, { Accept: 'application/vnd.ipld.raw' }, MAX_BLOCK_BYTES)
    if (r.status === 404) throw missing(cid)
    if (r.status !== 200) fail('UNREACHABLE', `${this.url} answered ${r.status} for block ${cid}: ${this.reason(r)}`)
    return r.body
  }

  /**
   * Asks for these blocks in one request; each caller gets its block
   * (checked against its CID by the caller), or why not. The answer is read
   * as it comes: each block is handed on once its last byte is here, in a
   * buffer of its own (copied once from the socket, and movable to a leaf
   * thread), while the rest of the answer is still on its way.
   */
  private async askBlocks (q: BlockWanted[]): Promise<void> {
    const one = (w: BlockWanted): void => { this.getOne(w.cid).then(w.resolve, w.reject) }
    if (q.length === 1 || this.batchBlocks === false) { q.forEach(one); return }
    let r: Reply | { again: BlockWanted[] }
    try {
      r = await this.send<Reply | { again: BlockWanted[] }>('POST', 'acache/v1/blocks', Buffer.from(q.map(w => w.cid.toString()).join('\n')), { 'Content-Type': 'text/plain' }, netTimeoutMs(), (res, req, resolve, reject) => {
        if (res.statusCode !== 200) {
          // an error or "not here": read as any small answer
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => { size += c.byteLength; if (size <= MAX_REPLY_BYTES) chunks.push(c) })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }))
          return
        }
        const parser = new BlocksAnswer(q, this.url)
        res.on('data', (c: Buffer) => {
          const err = parser.push(c)
          if (err !== undefined) { req.destroy(); parser.abandon(err); reject(err) }
        })
        res.on('end', () => {
          const err = parser.end()
          if (err !== undefined) { parser.abandon(err); reject(err) } else resolve({ again: parser.again })
        })
      })
    } catch (err) {
      q.forEach(w => w.reject(err as Error)) // (those already answered are settled: a second settle does nothing)
      return
    }
    if ('status' in r) {
      if ((r.status === 404 || r.status === 405) && this.batchBlocks !== true) { this.batchBlocks = false; q.forEach(one); return }
      const err = new AcacheError('UNREACHABLE', `${this.url} answered ${r.status} for ${q.length} blocks: ${this.reason(r)}`)
      q.forEach(w => w.reject(err))
      return
    }
    this.batchBlocks = true
    // what did not fit in that answer is asked for again (block by block if the server sent none at all)
    const again = r.again
    if (again.length === q.length) again.forEach(one)
    else if (again.length > 0) await this.askBlocks(again)
  }

  async hasBlock (cid: CID): Promise<boolean> {
    const r = await this.request('HEAD', `ipfs/${cid}?format=raw`)
    return r.status === 200
  }

  /**
   * Which of these blocks the server has, asked in batches (POST
   * /acache/v1/has); a server without that asks block by block, a few at a
   * time.
   */
  async hasBlocks (cids: CID[]): Promise<boolean[]> {
    const out: boolean[] = []
    for (let i = 0; i < cids.length; i += HAS_BATCH) {
      const batch = cids.slice(i, i + HAS_BATCH)
      const r = this.batchHas === false ? undefined : await this.request('POST', 'acache/v1/has', Buffer.from(batch.map(c => c.toString()).join('\n')), { 'Content-Type': 'text/plain' })
      if (r !== undefined && r.status === 200 && r.body.byteLength === batch.length) {
        this.batchHas = true
        for (const b of r.body) out.push(b === 0x31)
        continue
      }
      if (r !== undefined && this.batchHas === true) fail('UNREACHABLE', `${this.url} answered ${r.status} when asked which blocks it has: ${this.reason(r)}`)
      this.batchHas = false
      for (let j = 0; j < batch.length; j += 8) out.push(...await Promise.all(batch.slice(j, j + 8).map(async c => await this.hasBlock(c))))
    }
    return out
  }

  /** whether the server answers /acache/v1/has (undefined: not asked yet) */
  private batchHas: boolean | undefined

  /**
   * Starts a push: POST /acache/v1/push, a CAR sent as it is made, whose
   * root and first block is the signed head; each putBlock then adds a
   * block (the caller gives parents before children, as the server wants
   * them), and putHead ends the upload and reads the answer. The server
   * stages what arrives while the rest is still being read here, and takes
   * nothing unless the whole push arrives and is accepted.
   */
  async openPush (_key: string, _seq: number, headBytes: Uint8Array, ipnsRecord?: Uint8Array): Promise<void> {
    this.writable()
    const { dagJsonCid } = await import('../model/commit.js')
    const body = new PassThrough({ highWaterMark: UPLOAD_CHUNK })
    // the server checks the whole push before it answers: give it longer than a silent read
    const answer = this.request('POST', 'acache/v1/push', body, { 'Content-Type': 'application/vnd.ipld.car', ...(ipnsRecord !== undefined ? { 'X-Acache-Ipns-Record': Buffer.from(ipnsRecord).toString('base64') } : {}) }, MAX_REPLY_BYTES, netTimeoutMs() * 20)
    this.upload = new CarUpload(body, answer)
    await this.upload.start(dagJsonCid(headBytes), headBytes)
  }

  async putBlock (cid: CID, bytes: Uint8Array): Promise<void> {
    this.writable()
    if (this.upload === undefined) fail('BUG', 'putBlock before openPush')
    // a server that answered before the upload ended refused it: say why
    if (!(await this.upload.add(cid, bytes))) this.pushAnswered(await this.upload.answer)
  }

  private writable (): void {
    if (this.ipnsName !== undefined) fail('USAGE', `${this.url} is a gateway name (…/ipns/NAME): it is read-only`, { hint: 'push to the server itself: http://HOST:PORT' })
  }

  /** Ends the push openPush started (the head was its first block) and reads the server's answer. */
  async putHead (): Promise<void> {
    this.writable()
    if (this.upload === undefined) fail('BUG', 'putHead before openPush')
    try {
      this.pushAnswered(await this.upload.end())
    } finally {
      this.upload = undefined
    }
  }

  private pushAnswered (r: Reply): void {
    if (r.status === 409) fail('REPLAY', `${this.url} refused the head: ${this.reason(r)}`, { hint: 'fetch first, then push again' })
    if (r.status === 401 || r.status === 403) fail('UNTRUSTED_KEY', `${this.url} refused the push (${r.status}): ${this.reason(r)}`, { hint: 'the server must trust your key: add you as its remote or in its trusted list' })
    if (r.status !== 200) fail('BAD_INPUT', `${this.url} refused the push (${r.status}): ${this.reason(r)}`)
    if (this.upload?.ended !== true) fail('BAD_INPUT', `${this.url} accepted a push before it was whole`)
  }

  async close (): Promise<void> { this.upload?.abort(); this.upload = undefined; this.agent.destroy() }
}
