import { CID } from 'multiformats/cid'
import { Transport } from './transport.js'
import { AcacheError, fail } from '../errors.js'
import { dagJsonCid } from '../model/commit.js'
import { KuboRpc, mhKey, unreachable } from '../store/kubo-rpc.js'
import { tally } from '../util/trace.js'

/**
 * A remote on the IPFS network through a Kubo RPC API:
 * `kubo://HOST:PORT/ipns/NAME`. HOST:PORT is the API of a Kubo node (your
 * own: it fetches what it lacks from the network); NAME is the IPNS name the
 * friend publishes their signed head under, or with push, the name of your
 * own key on that node (`self`). Push imports the new blocks as a CAR, pins
 * the head (and so all it reaches) and publishes the head's CID under the
 * IPNS name; fetch resolves the name, reads the head and every block through
 * the node, and checks each against its CID.
 */
export class KuboTransport implements Transport {
  readonly api: string
  readonly name: string
  private readonly kubo: KuboRpc
  private pending: Array<{ cid: CID, bytes: Uint8Array }> = []
  private localRefs?: Set<string>

  constructor (readonly url: string) {
    const m = /^kubo:\/\/([^/]+)\/ipns\/([^/]+)\/?$/.exec(url)
    if (m === null) fail('BAD_INPUT', `a Kubo remote is kubo://HOST:PORT/ipns/NAME, not ${url}`)
    this.api = `http://${m[1]}`
    this.name = m[2]
    this.kubo = new KuboRpc(this.api)
  }

  private async rpc (): Promise<any> { return await this.kubo.rpc() }

  private async call<T> (what: string, fn: (c: any) => Promise<T>): Promise<T> { return await this.kubo.call(what, fn) }

  /** The IPNS name to resolve: a key name on the node (push) or a name as given (fetch). */
  private async ipnsName (): Promise<string> {
    const keys: Array<{ name: string, id: string }> = await this.call('list keys', async c => await c.key.list())
    return keys.find(k => k.name === this.name)?.id ?? this.name
  }

  async getHead (_key: string): Promise<Uint8Array | undefined> {
    const name = await this.ipnsName()
    let target: string | undefined
    try {
      const c = await this.rpc()
      for await (const p of c.name.resolve(name, { timeout: 15_000 })) target = p
    } catch (err) {
      if (unreachable(err)) fail('UNREACHABLE', `the Kubo API at ${this.api} cannot be reached (resolve ${name})`, { hint: 'is the IPFS daemon running?' })
      return undefined
    }
    const m = /^\/ipfs\/([^/]+)$/.exec(target ?? '')
    if (m === null) return undefined
    return await this.getBlock(CID.parse(m[1]))
  }

  async getBlock (cid: CID): Promise<Uint8Array> { tally('fetched'); return await this.kubo.getBlock(cid) }

  async hasBlock (cid: CID): Promise<boolean> {
    // what the node holds already (js-ipfs and Kubo answer refs/local at once)
    this.localRefs ??= await this.kubo.localBlocks()
    return this.localRefs.has(mhKey(cid)) || this.pending.some(p => p.cid.equals(cid))
  }

  async putBlock (cid: CID, bytes: Uint8Array): Promise<void> {
    this.pending.push({ cid, bytes })
  }

  async putHead (_key: string, _seq: number, headBytes: Uint8Array): Promise<void> {
    const head = dagJsonCid(headBytes)
    await this.kubo.importBlocks([{ cid: head, bytes: headBytes }, ...this.pending], [head])
    await this.call('pin the head', async c => await c.pin.add(head, { recursive: true }))
    await this.call(`publish under ${this.name}`, async c => await c.name.publish(`/ipfs/${head.toString()}`, { key: this.name, lifetime: '8760h', resolve: false }))
    this.pending = []
  }

  async close (): Promise<void> {}
}

/** What a Kubo node says of its announcing of content to the network (its provide strategy and last reprovide). */
export interface ProvideReport {
  /** Reprovider.Strategy (or Provide.Strategy): all (every block, Kubo's default), pinned, roots, ... */
  strategy?: string
  /** Reprovider.Interval: how often everything is announced again */
  interval?: string
  totalProvides?: number
  /** the last round of announcing everything: how long it took, and how many CIDs */
  lastReprovide?: { seconds: number, cids: number }
  /** whether the last round ended within the interval (undefined: not known) */
  keepingUp?: boolean
  /** what could not be asked (the js-ipfs stand-in has no stats/provide) */
  unknown?: string
}

/**
 * A Kubo node that holds copies (`kubo://HOST:PORT`, its RPC API): acache
 * sends it the blocks it lacks as CARs, pins each branch head recursively,
 * and unpins the heads no branch points at any more.
 */
export class KuboNode {
  readonly api: string
  private readonly kubo: KuboRpc

  constructor (readonly url: string) {
    const m = /^kubo:\/\/([^/]+)\/?$/.exec(url)
    if (m === null) fail('BAD_INPUT', `a Kubo replica is kubo://HOST:PORT (its RPC API), not ${url}`)
    this.api = `http://${m[1]}`
    this.kubo = new KuboRpc(this.api)
  }

  /** The heads among `cids` the node has pinned recursively (as v1 CID text). */
  async pinned (): Promise<Set<string>> { return await this.kubo.recursivePins() }

  /**
   * Sends what the node lacks of the closures of `want`, pins each, and
   * unpins `drop`. `known`: blocks the node holds whole already (the
   * closures of heads it has pinned), not walked again.
   */
  async hold (store: import('../store/blockstore.js').BlockStore, want: CID[], drop: CID[], known: (cid: CID) => boolean, onBlock: (bytes: number) => void = () => {}): Promise<{ blocks: number, bytes: number }> {
    const { pushObjects } = await import('./sync.js')
    const local = await this.kubo.localBlocks()
    // sent as CARs of at most 32 MiB: a dataset is not held in memory whole
    let batch: Array<{ cid: CID, bytes: Uint8Array }> = []
    let size = 0
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      await this.kubo.importBlocks(batch)
      batch = []
      size = 0
    }
    const moved = await pushObjects(store, async (c) => local.has(mhKey(c)), async (cid, bytes) => {
      batch.push({ cid, bytes })
      size += bytes.byteLength
      if (size >= 32 * 1024 * 1024) await flush()
    }, want, onBlock, known)
    await flush()
    for (const c of want) await this.call(`pin ${c.toString()}`, async k => await k.pin.add(c, { recursive: true }))
    const wanted = new Set(want.map(c => c.toString()))
    for (const c of drop) {
      if (wanted.has(c.toString())) continue
      // one no longer pinned (by hand, or a run cut short) is no failure
      await this.kubo.call(`unpin ${c.toString()}`, async k => await k.pin.rm(c), (err) => /not pinned|is not pinned/i.test(String((err as Error)?.message)) ? new AcacheError('MISSING_OBJECT', 'not pinned') : undefined).catch((err) => {
        if (!(err instanceof AcacheError && err.code === 'MISSING_OBJECT')) throw err
      })
    }
    return moved
  }

  /** The node's addresses others can fetch from (multiaddrs ending in /p2p/ID), for a pinning service's `origins`. */
  async addresses (): Promise<string[]> {
    const id = await this.call('say its addresses', async c => await c.id())
    const peer = String(id.id)
    return (id.addresses ?? []).map((a: unknown) => String(a)).filter((a: string) => !a.includes('/p2p-circuit')).map((a: string) => a.includes('/p2p/') ? a : `${a}/p2p/${peer}`)
  }

  /** Its provide strategy and whether its last reprovide kept within the interval; what it does not report is said so. */
  async providing (): Promise<ProvideReport> {
    const out: ProvideReport = {}
    const setting = async (key: string): Promise<string | undefined> => {
      try { const v = await (await this.kubo.rpc()).config.get(key); return typeof v === 'string' ? v : undefined } catch { return undefined }
    }
    out.strategy = (await setting('Provide.Strategy')) ?? (await setting('Reprovider.Strategy'))
    out.interval = (await setting('Provide.DHT.Interval')) ?? (await setting('Reprovider.Interval'))
    try {
      const r = await fetch(`${this.api}/api/v0/stats/provide`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
      if (!r.ok) throw new Error(`${r.status}`)
      const text = await r.text()
      if (text.length > 64 * 1024) throw new Error('answer too long')
      Object.assign(out, readProvideStats(JSON.parse(text), out.interval))
    } catch (err) {
      out.unknown = `the node does not report its providing (stats/provide: ${String((err as Error)?.message ?? err).slice(0, 80)})`
    }
    return out
  }

  private async call<T> (what: string, fn: (c: any) => Promise<T>): Promise<T> { return await this.kubo.call(what, fn) }
}

/** Kubo's `stats provide` answer (TotalProvides, LastReprovideDuration, LastReprovideBatchSize) read, and judged against the interval. */
export function readProvideStats (s: any, interval?: string): Pick<ProvideReport, 'totalProvides' | 'lastReprovide' | 'keepingUp'> {
  const out: Pick<ProvideReport, 'totalProvides' | 'lastReprovide' | 'keepingUp'> = {}
  if (Number.isSafeInteger(s?.TotalProvides)) out.totalProvides = s.TotalProvides
  // Kubo gives durations in nanoseconds (a Go time.Duration as JSON)
  const ns = Number(s?.LastReprovideDuration)
  const cids = Number(s?.LastReprovideBatchSize)
  if (Number.isFinite(ns) && ns >= 0 && Number.isSafeInteger(cids) && cids >= 0) out.lastReprovide = { seconds: ns / 1e9, cids }
  const every = interval === undefined ? 22 * 3600 : goDurationSeconds(interval)
  if (out.lastReprovide !== undefined && every !== undefined && every > 0) out.keepingUp = out.lastReprovide.seconds < every
  return out
}

/** A Go duration ("22h", "1h30m", "45.5s", "300ms") in seconds; undefined when it is not one. */
export function goDurationSeconds (text: string): number | undefined {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 }
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(text)) return text === '0' ? 0 : undefined
  let total = 0
  for (const [, n, , u] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(n) * unit[u]
  return total
}
