import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { BlockStore, CollectPlan, Collected, checkBlock, SHA2_256, MAX_BLOCK_BYTES } from './blockstore.js'
import { FsBlockStore, cidFromMultihash } from './fs-blockstore.js'
import { PackSet, Located } from './pack.js'
import { fail } from '../errors.js'
import { removeOlderThan } from '../util/fs.js'
import { tally } from '../util/trace.js'

/** Blocks up to this size go into packs; larger ones (the leaves of big files) stay one file each. */
export const PACK_MAX_BLOCK = 256 * 1024

/**
 * The embedded store, packed: small blocks (commits, directories, small
 * files, the last piece of a large file) are appended to pack files
 * (store/pack.ts), large ones stay one file a block in the flatfs layout
 * beside them. A commit of 20,000 small files writes one pack and its
 * index, not 20,000 files and inodes; gc, size and verify read indexes
 * instead of listing millions of files. Reads look in the packs, then for
 * the block's own file, and check every block against its CID.
 *
 * `acache init --store-layout flatfs` keeps every block in its own file
 * (a Kubo node can adopt the folder; FsBlockStore alone).
 */
export class PackedBlockStore extends FsBlockStore {
  readonly packs: PackSet

  constructor (dir: string, flat = false) {
    super(dir, flat)
    this.packs = new PackSet(path.join(dir, 'packs'))
  }

  static init (dir: string, flat = false): PackedBlockStore {
    FsBlockStore.init(dir, flat)
    return new PackedBlockStore(dir, flat)
  }

  private packable (cid: CID): boolean {
    return cid.multihash.code === SHA2_256 && cid.multihash.digest.byteLength === 32
  }

  private locate (cid: CID): Located | undefined {
    return this.packable(cid) ? this.packs.locate(cid.multihash.digest) : undefined
  }

  /** A packed block's bytes as stored (a pack gc replaced meanwhile is looked up again). */
  private readPacked (cid: CID): Uint8Array | undefined {
    for (let tries = 0; tries < 3; tries++) {
      const at = this.locate(cid)
      if (at === undefined) return undefined
      // an index is outside input when the folder is a friend's: a length past any block is damage
      if (at.length > MAX_BLOCK_BYTES) fail('CORRUPT_OBJECT', `block ${cid} is damaged: its pack says it holds ${at.length} bytes`, { data: { cid: cid.toString() } })
      const bytes = this.packs.read(at)
      if (bytes !== undefined) return bytes
      this.packs.forget(at.pack)
    }
    return undefined
  }

  override async get (cid: CID): Promise<Uint8Array> {
    const bytes = this.readPacked(cid)
    if (bytes === undefined) return await super.get(cid)
    tally('read')
    checkBlock(cid, bytes)
    return bytes
  }

  override async getUnchecked (cid: CID): Promise<Uint8Array> {
    return this.readPacked(cid) ?? await super.getUnchecked(cid)
  }

  /** (a block another process packed in the last moments may be missed: see PackSet.locate) */
  override async has (cid: CID): Promise<boolean> {
    return (this.packable(cid) && this.packs.locate(cid.multihash.digest, 'recent') !== undefined) || await super.has(cid)
  }

  override async size (cid: CID): Promise<number | undefined> {
    return this.locate(cid)?.length ?? await super.size(cid)
  }

  override async put (cid: CID, bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength > PACK_MAX_BLOCK || !this.packable(cid)) { await super.put(cid, bytes); return }
    // a copy another process packed a moment ago, or one kept as a file, may be missed: a second copy is harmless (gc keeps one)
    if (this.packs.locate(cid.multihash.digest, false) !== undefined) return
    this.packs.append(cid.multihash.digest, bytes)
    this.written.blocks++
    this.written.bytes += bytes.byteLength
  }

  /** A packed block is dropped by writing its pack again without it (rare: verify --repair of a damaged copy). */
  override async delete (cid: CID): Promise<void> {
    await super.delete(cid)
    const at = this.locate(cid)
    if (at === undefined) return
    this.packs.seal()
    const hex = Buffer.from(cid.multihash.digest).toString('hex')
    const keep: Array<{ digest: Buffer, length: number, pack: string }> = []
    for (const e of this.packs.entries()) if (e.pack === at.pack && e.digest.toString('hex') !== hex) keep.push(e)
    this.repack(keep)
    this.packs.remove([at.pack])
  }

  /** Writes these packed blocks into a new pack (checked as they are copied; a damaged one is left behind). */
  private repack (entries: Iterable<{ digest: Buffer, length: number, pack: string }>, seal = true): number {
    let n = 0
    const seen = new Set<string>()
    for (const e of entries) {
      const hex = e.digest.toString('hex')
      if (seen.has(hex)) continue
      seen.add(hex)
      const cid = cidFromMultihash(Buffer.concat([Buffer.from([SHA2_256, 32]), e.digest]))
      const bytes = this.readFrom(e)
      if (bytes === undefined) continue
      try { checkBlock(cid, bytes) } catch { continue }
      this.packs.append(e.digest, bytes)
      n++
    }
    if (seal) this.packs.seal()
    return n
  }

  private readFrom (e: { digest: Buffer, length: number, pack: string }): Buffer | undefined {
    const at = this.packs.locate(e.digest)
    return at === undefined ? undefined : this.packs.read(at)
  }

  override async * keys (): AsyncIterable<Uint8Array> {
    const packed = new Set<string>()
    for (const e of this.packs.entries()) {
      const hex = e.digest.toString('hex')
      if (packed.has(hex)) continue
      packed.add(hex)
      yield Buffer.concat([Buffer.from([SHA2_256, 32]), e.digest])
    }
    for await (const mh of super.keys()) {
      if (mh[0] === SHA2_256 && mh.byteLength === 34 && packed.has(Buffer.from(mh.subarray(2)).toString('hex'))) continue
      yield mh
    }
  }

  override async totalBytes (): Promise<number> {
    let total = 0
    const packed = new Set<string>()
    for (const e of this.packs.entries()) {
      const hex = e.digest.toString('hex')
      if (packed.has(hex)) continue
      packed.add(hex)
      total += e.length
    }
    for await (const mh of super.keys()) {
      if (mh[0] === SHA2_256 && mh.byteLength === 34 && packed.has(Buffer.from(mh.subarray(2)).toString('hex'))) continue
      total += (await super.size(cidFromMultihash(mh))) ?? 0
    }
    return total
  }

  /** A packed block's bytes as they are, unchecked (the caller admits them): for reading a friend's folder. */
  packedBytes (cid: CID): Uint8Array | undefined {
    return this.readPacked(cid)
  }

  /** Before a ref moves: the open pack is sealed (its sorted index written); many small packs are merged. */
  override async settle (_roots?: CID[]): Promise<void> {
    this.packs.seal()
    this.packs.consolidate()
  }

  /** Staged blocks (one file each): the small ones appended to a pack, the large renamed into place; children first. */
  override async land (order: Iterable<CID>, staged: BlockStore): Promise<void> {
    if (!(staged instanceof FsBlockStore)) { await super.land(order, staged); return }
    for (const cid of order) {
      if (await this.has(cid)) continue
      const file = staged.pathOf(cid)
      const size = fs.statSync(file, { throwIfNoEntry: false })?.size
      // packed in the staging store: read there (and checked), appended here
      if (size === undefined) { await this.put(cid, await staged.get(cid)); continue }
      if (size > PACK_MAX_BLOCK || !this.packable(cid)) {
        const to = this.pathOf(cid)
        if (!this.made.has(path.dirname(to))) {
          fs.mkdirSync(path.dirname(to), { recursive: true })
          this.made.add(path.dirname(to))
        }
        fs.renameSync(file, to)
      } else {
        this.packs.append(cid.multihash.digest, fs.readFileSync(file))
        fs.rmSync(file, { force: true })
      }
    }
    this.packs.seal()
  }

  /**
   * gc, as git gc packs: every small block kept (reachable, or in a pack
   * younger than the grace time, whose writer may still mean to use it) is
   * written into one new pack, loose small blocks too, and the old packs
   * and loose files go; large loose blocks are kept or dropped one by one.
   */
  override async collect (plan: CollectPlan): Promise<Collected> {
    const reachable = await plan.reachable()
    const out: Collected = { dropped: { blocks: 0, bytes: 0 }, kept: { blocks: 0, bytes: 0 }, young: 0 }
    this.packs.seal()
    const now = Date.now()
    // (a grace time of 0 makes nothing young, whatever a file system's clock says of a file just written)
    const young = (mtimeMs: number): boolean => plan.graceMs > 0 && now - mtimeMs < plan.graceMs
    const packs = this.packs.list()
    const youngPack = new Set(packs.filter(p => young(p.mtimeMs)).map(p => p.name))
    // open packs of other processes (no index yet) are theirs until older than the grace time
    const busy = new Set(packs.filter(p => !p.sealed && young(p.mtimeMs)).map(p => p.name))
    const keep: Array<{ digest: Buffer, length: number, pack: string }> = []
    const seen = new Set<string>()
    for (const e of this.packs.entries()) {
      plan.tick?.()
      if (busy.has(e.pack)) continue
      const hex = e.digest.toString('hex')
      if (seen.has(hex)) continue
      seen.add(hex)
      const live = reachable.has('1220' + hex)
      const kept = !live && youngPack.has(e.pack)
      if (live || kept) {
        if (kept) out.young++
        out.kept.blocks++
        out.kept.bytes += e.length
        keep.push(e)
      } else {
        out.dropped.blocks++
        out.dropped.bytes += e.length
      }
    }
    // loose blocks: the small ones kept move into the new pack
    const looseSmall: CID[] = []
    for await (const mh of super.keys()) {
      plan.tick?.()
      const cid = cidFromMultihash(mh)
      if (mh[0] === SHA2_256 && mh.byteLength === 34 && seen.has(Buffer.from(mh.subarray(2)).toString('hex'))) {
        if (!plan.dryRun) fs.rmSync(this.pathOf(cid), { force: true }) // packed already
        continue
      }
      let st: fs.Stats
      try { st = fs.statSync(this.pathOf(cid)) } catch { continue }
      const live = reachable.has(Buffer.from(mh).toString('hex'))
      const kept = !live && young(st.mtimeMs)
      if (live || kept) {
        if (kept) out.young++
        out.kept.blocks++
        out.kept.bytes += st.size
        if (st.size <= PACK_MAX_BLOCK && this.packable(cid)) looseSmall.push(cid)
        continue
      }
      out.dropped.blocks++
      out.dropped.bytes += st.size
      if (!plan.dryRun) fs.rmSync(this.pathOf(cid), { force: true })
    }
    if (plan.dryRun) return out
    const old = packs.filter(p => !busy.has(p.name)).map(p => p.name)
    if (old.length > 1 || out.dropped.blocks > 0 || looseSmall.length > 0) {
      this.repack(keep, false)
      // a loose block goes once its copy is in a sealed pack (the same one)
      for (const cid of looseSmall) {
        const bytes = fs.readFileSync(this.pathOf(cid))
        try { checkBlock(cid, bytes) } catch { continue }
        this.packs.append(cid.multihash.digest, bytes)
      }
      this.packs.seal()
      for (const cid of looseSmall) fs.rmSync(this.pathOf(cid), { force: true })
      this.packs.remove(old)
    }
    removeOlderThan(path.join(this.dir, 'tmp'), now - plan.graceMs)
    return out
  }
}
