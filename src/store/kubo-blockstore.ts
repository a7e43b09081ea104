import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { writeFileAtomic } from '../util/fs.js'
import { BlockStore, CollectPlan, Collected, checkBlock, copyBlocks } from './blockstore.js'
import { KuboRpc, mhKey } from './kubo-rpc.js'
import { tally } from '../util/trace.js'



/** Blocks wait here until this many bytes (or blocks) are pending, then go to the node as one CAR. */
const BATCH_BYTES = 32 * 1024 * 1024
const BATCH_BLOCKS = 2000

/**
 * All of a repository's blocks in a Kubo node (`acache init --store kubo
 * --api URL`), through its RPC API. Writes are gathered and imported as one
 * CAR per batch (one request, not one a block); `settle(roots)` sends what
 * is pending and pins the roots, so the node's own GC keeps every commit a
 * ref names; it is called before any ref moves. Reads are checked against
 * their CID like every store's; a block the node lacks it looks for on the
 * network (that is what the node is for) until the timeout.
 */
export class KuboBlockStore implements BlockStore {
  readonly written = { blocks: 0, bytes: 0 }
  readonly kubo: KuboRpc
  private pending = new Map<string, { cid: CID, bytes: Uint8Array }>()
  private pendingBytes = 0
  /** multihashes the node has (from refs/local once, then what we put or read) */
  private local?: Set<string>

  /** `pinLog`: the file that lists what this repository pinned (gc unpins from it). */
  constructor (readonly api: string, private readonly pinLog?: string) {
    this.kubo = new KuboRpc(api)
  }

  async get (cid: CID): Promise<Uint8Array> {
    tally('read')
    const p = this.pending.get(mhKey(cid))
    if (p !== undefined) return p.bytes
    const bytes = await this.kubo.getBlock(cid)
    checkBlock(cid, bytes)
    this.local?.add(mhKey(cid))
    return bytes
  }

  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    const k = mhKey(cid)
    if (this.pending.has(k) || (await this.localSet()).has(k)) return
    this.pending.set(k, { cid, bytes })
    this.pendingBytes += bytes.byteLength
    this.written.blocks++
    this.written.bytes += bytes.byteLength
    if (this.pendingBytes >= BATCH_BYTES || this.pending.size >= BATCH_BLOCKS) await this.flush()
  }

  /** Sends the pending blocks as one CAR. */
  async flush (): Promise<void> {
    if (this.pending.size === 0) return
    const blocks = [...this.pending.values()]
    await this.kubo.importBlocks(blocks)
    const local = await this.localSet()
    for (const b of blocks) local.add(mhKey(b.cid))
    this.pending.clear()
    this.pendingBytes = 0
  }

  /** Before a ref moves to `roots`: every block is in the node, and the roots are pinned (recursively). */
  async settle (roots: CID[]): Promise<void> {
    await this.flush()
    const pinned = this.pinned()
    for (const r of roots) {
      await this.kubo.call(`pin ${r}`, async c => await c.pin.add(r, { recursive: true }))
      pinned.add(r.toString())
    }
    this.savePins(pinned)
  }

  /** The roots this repository pinned in the node. */
  pinned (): Set<string> {
    if (this.pinLog === undefined) return new Set()
    try { return new Set(fs.readFileSync(this.pinLog, 'utf8').split('\n').filter(l => l !== '')) } catch { return new Set() }
  }

  private savePins (pins: Set<string>): void {
    if (this.pinLog !== undefined) writeFileAtomic(this.pinLog, [...pins].sort().map(p => p + '\n').join(''))
  }

  /**
   * gc for a Kubo store: pin every root, unpin what this repository pinned
   * before and no root is now; the node's own GC (`ipfs repo gc`) then drops
   * the blocks. Pins of other programs on the node are never touched.
   */
  async collect (plan: CollectPlan): Promise<Collected> {
    return { dropped: { blocks: 0, bytes: 0 }, kept: { blocks: 0, bytes: 0 }, young: 0, pins: { node: this.api, ...await this.keepOnly(plan.roots, plan.dryRun) } }
  }

  /** A node fetches what it lacks itself: reading offline is reading it. */
  offline (): BlockStore { return this }

  async land (order: Iterable<CID>, staged: BlockStore): Promise<void> { await copyBlocks(order, staged, this) }

  private async keepOnly (roots: CID[], dryRun: boolean): Promise<{ pinned: number, unpinned: number }> {
    const live = new Set(roots.map(String))
    const old = this.pinned()
    const drop = [...old].filter(p => !live.has(p))
    if (dryRun) return { pinned: live.size, unpinned: drop.length }
    await this.settle(roots)
    // what someone unpinned by hand meanwhile is not unpinned again
    const pinnedNow = drop.length > 0 ? await this.kubo.recursivePins() : new Set<string>()
    for (const p of drop) {
      if (!pinnedNow.has(CID.parse(p).toV1().toString())) continue
      await this.kubo.call(`unpin ${p}`, async c => await c.pin.rm(CID.parse(p), { recursive: true }))
    }
    this.savePins(live)
    return { pinned: live.size, unpinned: drop.length }
  }

  async has (cid: CID): Promise<boolean> {
    const k = mhKey(cid)
    return this.pending.has(k) || (await this.localSet()).has(k)
  }

  private async localSet (): Promise<Set<string>> {
    this.local ??= await this.kubo.localBlocks()
    return this.local
  }

  async delete (cid: CID): Promise<void> {
    this.pending.delete(mhKey(cid))
    this.local?.delete(mhKey(cid))
    await this.kubo.call(`remove block ${cid}`, async c => { for await (const _ of c.block.rm(cid, { force: true })) void _ })
  }

  async * keys (): AsyncIterable<Uint8Array> {
    for (const k of await this.localSet()) yield Buffer.from(k, 'hex')
    for (const k of this.pending.keys()) yield Buffer.from(k, 'hex')
  }

  async size (cid: CID): Promise<number | undefined> {
    const p = this.pending.get(mhKey(cid))
    if (p !== undefined) return p.bytes.byteLength
    if (!(await this.has(cid))) return undefined
    return await this.kubo.call(`stat block ${cid}`, async c => (await c.block.stat(cid)).size)
  }

  /** Bytes the node stores in all (for `size`: the node may hold more than this repository). */
  async totalBytes (): Promise<number> {
    return await this.kubo.call('read its repository size', async c => Number((await c.repo.stat()).repoSize))
  }
}
