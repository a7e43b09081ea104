import { CID } from 'multiformats/cid'
import { Transport } from './transport.js'
import { fail } from '../errors.js'
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
