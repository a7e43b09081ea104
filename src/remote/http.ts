import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import https from 'node:https'
import { once } from 'node:events'
import { CID } from 'multiformats/cid'
import { Transport } from './transport.js'
import { fail } from '../errors.js'
import { missing } from '../store/blockstore.js'

interface Reply { status: number, body: Buffer, headers: http.IncomingHttpHeaders }

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
  private upload?: { file: string, blocks: Array<{ cid: CID, bytes: Uint8Array }>, size: number }

  /** the IPNS name whose target is the signed head, for a gateway URL …/ipns/NAME */
  readonly ipnsName?: string

  constructor (readonly url: string) {
    const gw = /^(.*\/)ipns\/([^/?#]+)\/?$/.exec(url)
    if (gw !== null) this.ipnsName = decodeURIComponent(gw[2])
    this.base = new URL(gw !== null ? gw[1] : url.endsWith('/') ? url : url + '/')
    this.agent = new (this.base.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 8 })
  }

  private async request (method: string, p: string, body?: fs.ReadStream, headers: Record<string, string | number> = {}): Promise<Reply> {
    const target = new URL(p.replace(/^\//, ''), this.base)
    const lib = target.protocol === 'https:' ? https : http
    return await new Promise<Reply>((resolve, reject) => {
      const req = lib.request(target, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }))
        res.on('error', reject)
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ECONNRESET' || err.code === 'EHOSTUNREACH'
          ? new (class extends Error {})(`cannot reach ${this.url}: ${err.code}`)
          : err)
      })
      if (body !== undefined) body.pipe(req)
      else req.end()
    }).catch((err: Error) => fail('UNREACHABLE', err.message.startsWith('cannot reach') ? err.message : `cannot reach ${this.url}: ${err.message}`, { hint: 'is the server running? (acache serve)' }))
  }

  private reason (r: Reply): string {
    try { return JSON.parse(r.body.toString()).error ?? r.body.toString() } catch { return r.body.toString().slice(0, 200) }
  }

  async getHead (key: string): Promise<Uint8Array | undefined> {
    if (this.ipnsName !== undefined) {
      const g = await this.request('GET', `ipns/${encodeURI(this.ipnsName)}?format=raw`, undefined, { Accept: 'application/vnd.ipld.raw' })
      if (g.status === 404) return undefined
      if (g.status !== 200) fail('UNREACHABLE', `${this.url} answered ${g.status} for the head: ${this.reason(g)}`)
      return g.body
    }
    const r = await this.request('GET', `acache/v1/head/${key}`)
    if (r.status === 404) return undefined
    if (r.status !== 200) fail('UNREACHABLE', `${this.url} answered ${r.status} for the head: ${this.reason(r)}`)
    return r.body
  }

  async getBlock (cid: CID): Promise<Uint8Array> {
    const r = await this.request('GET', `ipfs/${cid}?format=raw`, undefined, { Accept: 'application/vnd.ipld.raw' })
    if (r.status === 404) throw missing(cid)
    if (r.status !== 200) fail('UNREACHABLE', `${this.url} answered ${r.status} for block ${cid}: ${this.reason(r)}`)
    return r.body
  }

  async hasBlock (cid: CID): Promise<boolean> {
    if (this.upload?.blocks.some(b => b.cid.equals(cid)) === true) return true
    const r = await this.request('HEAD', `ipfs/${cid}?format=raw`)
    return r.status === 200
  }

  async putBlock (cid: CID, bytes: Uint8Array): Promise<void> {
    this.writable()
    this.upload ??= { file: path.join(os.tmpdir(), `acache-push-${process.pid}-${Date.now()}.car`), blocks: [], size: 0 }
    this.upload.blocks.push({ cid, bytes })
    this.upload.size += bytes.byteLength
  }

  private writable (): void {
    if (this.ipnsName !== undefined) fail('USAGE', `${this.url} is a gateway name (…/ipns/NAME): it is read-only`, { hint: 'push to the server itself: http://HOST:PORT' })
  }

  async putHead (_key: string, _seq: number, headBytes: Uint8Array): Promise<void> {
    this.writable()
    const { CarWriter } = await import('@ipld/car')
    const { dagJsonCid } = await import('../model/commit.js')
    const root = dagJsonCid(headBytes)
    const file = this.upload?.file ?? path.join(os.tmpdir(), `acache-push-${process.pid}-${Date.now()}.car`)
    const { writer, out } = CarWriter.create([root])
    const sink = fs.createWriteStream(file)
    const piping = (async () => { for await (const c of out) { if (!sink.write(c)) await once(sink, 'drain') } sink.end(); await once(sink, 'finish') })()
    await writer.put({ cid: root, bytes: headBytes })
    for (const b of this.upload?.blocks ?? []) await writer.put(b)
    await writer.close()
    await piping
    try {
      const size = fs.statSync(file).size
      const r = await this.request('POST', 'acache/v1/push', fs.createReadStream(file), { 'Content-Type': 'application/vnd.ipld.car', 'Content-Length': size })
      if (r.status === 409) fail('REPLAY', `${this.url} refused the head: ${this.reason(r)}`, { hint: 'fetch first, then push again' })
      if (r.status === 401 || r.status === 403) fail('UNTRUSTED_KEY', `${this.url} refused the push (${r.status}): ${this.reason(r)}`, { hint: 'the server must trust your key: add you as its remote or in its trusted list' })
      if (r.status !== 200) fail('BAD_INPUT', `${this.url} refused the push (${r.status}): ${this.reason(r)}`)
    } finally {
      fs.rmSync(file, { force: true })
      this.upload = undefined
    }
  }

  async close (): Promise<void> { this.agent.destroy() }
}
