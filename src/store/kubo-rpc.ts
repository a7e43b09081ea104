import type { CID } from 'multiformats/cid'
import { AcacheError, fail } from '../errors.js'
import { missing } from './blockstore.js'
import { knobNumber } from '../util/knobs.js'

/** `host:port`, `http://host:port` or a multiaddr, as the HTTP URL of a Kubo RPC API. */
export function kuboApiUrl (api: string): string {
  const ma = /^\/(?:ip4|ip6|dns4|dns6|dns)\/([^/]+)\/tcp\/(\d+)(?:\/https?)?\/?$/.exec(api)
  if (ma !== null) return `http://${ma[1].includes(':') ? `[${ma[1]}]` : ma[1]}:${ma[2]}`
  if (/^https?:\/\//.test(api)) return api.replace(/\/+$/, '')
  if (/^[^/:]+:\d+$/.test(api)) return `http://${api}`
  return fail('USAGE', `not a Kubo API address: ${api} (give host:port, http://host:port or /ip4/ADDR/tcp/PORT)`)
}

/** Milliseconds to wait for one answer from a node (it may be looking for a block on the network). */
export const KUBO_TIMEOUT = knobNumber('ACACHE_KUBO_TIMEOUT_MS', 120_000)

/**
 * One Kubo RPC client, and every call through it turned into acache errors:
 * a node that cannot be reached is one line naming its URL (exit 5).
 */
export class KuboRpc {
  private client?: any

  constructor (readonly api: string) {}

  async rpc (): Promise<any> {
    if (this.client === undefined) {
      const { create } = await import('kubo-rpc-client')
      this.client = create({ url: this.api, timeout: KUBO_TIMEOUT })
    }
    return this.client
  }

  /** `known`: what a failure of this call means, when the call knows (else: unreachable, or the node's failure). */
  async call<T> (what: string, fn: (c: any) => Promise<T>, known?: (err: unknown) => AcacheError | undefined): Promise<T> {
    const c = await this.rpc()
    try {
      try {
        return await fn(c)
      } catch (err) {
        // A kept-alive connection the node closed meanwhile: once more on a new one
        // (every call acache makes can be repeated: reads, imports, pins).
        if (!closedConnection(err)) throw err
        return await fn(c)
      }
    } catch (err) {
      if (err instanceof AcacheError) throw err
      const meant = known?.(err)
      if (meant !== undefined) throw meant
      if (unreachable(err)) {
        fail('UNREACHABLE', `the Kubo API at ${this.api} cannot be reached (${what})`, { hint: 'is the IPFS daemon running? (ipfs daemon)' })
      }
      throw new AcacheError('UNREACHABLE', `the Kubo API at ${this.api} failed to ${what}: ${String((err as Error).message ?? err)}`)
    }
  }

  /**
   * One block (not checked here). The node's refusal (an HTTP error: it
   * cannot find it, locally or on the network) or no answer in time is
   * MISSING_OBJECT; a node that cannot be reached is UNREACHABLE.
   */
  async getBlock (cid: CID): Promise<Uint8Array> {
    return await this.call(`get block ${cid}`, async c => await c.block.get(cid), (err) => {
      const name = (err as Error)?.name
      return name === 'HTTPError' || name === 'TimeoutError' ? missing(cid) : undefined
    })
  }

  /** The roots the node has pinned recursively (as CID strings, v1). */
  async recursivePins (): Promise<Set<string>> {
    const set = new Set<string>()
    await this.call('list its pins', async c => {
      for await (const p of c.pin.ls({ type: 'recursive' })) set.add(p.cid.toV1().toString())
    })
    return set
  }

  /** The multihashes (mhKey) of every block the node holds. */
  async localBlocks (): Promise<Set<string>> {
    const { CID } = await import('multiformats/cid')
    const set = new Set<string>()
    await this.call('list the blocks it has', async c => {
      for await (const r of c.refs.local()) {
        if (r.err !== undefined && r.err !== '' && r.err !== null) continue
        try { set.add(mhKey(CID.parse(r.ref))) } catch {}
      }
    })
    return set
  }

  /** Imports blocks as one CAR (unpinned; `roots` only name it). */
  async importBlocks (blocks: Array<{ cid: CID, bytes: Uint8Array }>, roots: CID[] = []): Promise<void> {
    const { CarWriter } = await import('@ipld/car')
    const { writer, out } = CarWriter.create(roots)
    const parts: Uint8Array[] = []
    const collect = (async () => { for await (const c of out) parts.push(c) })()
    for (const b of blocks) await writer.put(b)
    await writer.close()
    await collect
    await this.call(`import ${blocks.length} blocks`, async c => {
      for await (const _ of c.dag.import([(async function * () { yield * parts })()], { pinRoots: false })) void _
    })
  }
}

function closedConnection (err: unknown): boolean {
  const code = String((err as any)?.cause?.code ?? (err as any)?.code ?? '')
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'UND_ERR_CLOSED'
}

/** A block's multihash in hex: how the node's blocks are compared (it lists them by multihash). */
export const mhKey = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('hex')

/** Network failures by their codes: what fetch (undici) gives as the cause of its TypeError, or a socket's own. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED'])

export function unreachable (err: unknown): boolean {
  const e = err as { name?: string, code?: string, cause?: { code?: string } }
  if (NETWORK_CODES.has(String(e?.cause?.code ?? e?.code ?? ''))) return true
  // fetch's own network error: a TypeError with a cause (a refused port has no code)
  return e?.name === 'TypeError' && e.cause !== undefined
}
