import fs from 'node:fs'
import path from 'node:path'
import { workerThreads } from '../util/builtins.js'
import { CID } from 'multiformats/cid'
import { base32upper } from 'multiformats/bases/base32'
import * as Digest from 'multiformats/hashes/digest'
import { BlockStore, CollectPlan, Collected, checkBlockAsync, copyBlocks, missing } from './blockstore.js'
import { asAcacheError } from '../errors.js'
import { removeOlderThan } from '../util/fs.js'
import { tally } from '../util/trace.js'

const SHARDING = '/repo/flatfs/shard/v1/next-to-last/2\n'

/**
 * The embedded store: one file a block in Kubo's flatfs layout
 * (key = base32 of the multihash, directory = its next-to-last two characters),
 * so a Kubo node could adopt the folder. Writes go to a temporary name and are
 * renamed into place, so a killed process never leaves a half-written block
 * under a real name; every read is checked against its CID.
 */
export class FsBlockStore implements BlockStore {
  /** directories known to exist (made or found): not asked for again */
  protected readonly made = new Set<string>()
  private tmpSeq = 0
  /** blocks and bytes this instance actually wrote (not those it already had) */
  readonly written = { blocks: 0, bytes: 0 }

  /**
   * `flat`: every block file in `dir` itself, no shard directories (a
   * staging store: a fetch of 1,000 large blocks would otherwise make
   * about 650 directories there, and remove them again once landed).
   */
  constructor (readonly dir: string, readonly flat = false) {}

  static init (dir: string, flat = false): FsBlockStore {
    fs.mkdirSync(dir, { recursive: true })
    const s = path.join(dir, 'SHARDING')
    if (!flat && !fs.existsSync(s)) fs.writeFileSync(s, SHARDING)
    return new FsBlockStore(dir, flat)
  }

  static keyOf (multihash: Uint8Array): string {
    return base32upper.baseEncode(multihash)
  }

  pathOf (cid: CID): string {
    const key = FsBlockStore.keyOf(cid.multihash.bytes)
    return this.flat ? path.join(this.dir, key + '.data') : path.join(this.dir, key.slice(-3, -1), key + '.data')
  }

  blockFile (cid: CID): string | undefined {
    const file = this.pathOf(cid)
    return fs.statSync(file, { throwIfNoEntry: false })?.isFile() === true ? file : undefined
  }

  async getUnchecked (cid: CID): Promise<Uint8Array> {
    try {
      return await fs.promises.readFile(this.pathOf(cid))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(cid)
      throw asAcacheError(err)
    }
  }

  async get (cid: CID): Promise<Uint8Array> {
    tally('read')
    let bytes: Uint8Array
    try {
      bytes = await fs.promises.readFile(this.pathOf(cid))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(cid)
      throw asAcacheError(err)
    }
    await checkBlockAsync(cid, bytes)
    return bytes
  }

  /**
   * Synchronous inside: a block write is a few small system calls, and doing
   * them without a promise each is what makes committing many files fast.
   */
  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    if (this.putSync(cid, bytes)) {
      this.written.blocks++
      this.written.bytes += bytes.byteLength
    }
  }

  /** Stores a block unless present; true when it was written. Also used by the leaf workers. */
  putSync (cid: CID, bytes: Uint8Array): boolean {
    const file = this.pathOf(cid)
    const shard = path.dirname(file)
    if (!this.made.has(shard)) {
      fs.mkdirSync(shard, { recursive: true })
      this.made.add(shard)
    }
    if (fs.existsSync(file)) return false
    // Temporary files live in one staging directory (cheaper to create in
    // than scattered across shards) and are renamed into place when whole.
    const staging = path.join(this.dir, 'tmp')
    if (!this.made.has(staging)) {
      fs.mkdirSync(staging, { recursive: true })
      this.made.add(staging)
    }
    const tmp = path.join(staging, `${process.pid}-${workerThreads().threadId}-${this.tmpSeq++}`)
    try {
      fs.writeFileSync(tmp, bytes)
      fs.renameSync(tmp, file)
      return true
    } catch (err) {
      try { fs.rmSync(tmp, { force: true }) } catch {}
      throw asAcacheError(err)
    }
  }

  /** Counts blocks another thread wrote into this store for us. */
  noteWritten (bytes: number): void {
    this.written.blocks++
    this.written.bytes += bytes
  }

  async has (cid: CID): Promise<boolean> {
    return fs.existsSync(this.pathOf(cid))
  }

  async delete (cid: CID): Promise<void> {
    await fs.promises.rm(this.pathOf(cid), { force: true })
  }

  async * keys (): AsyncIterable<Uint8Array> {
    let shards: string[]
    try { shards = this.flat ? ['.'] : await fs.promises.readdir(this.dir) } catch { return }
    for (const shard of shards.sort()) {
      if (shard.length !== 2 && !this.flat) continue
      const names = await fs.promises.readdir(path.join(this.dir, shard))
      for (const name of names.sort()) {
        if (!name.endsWith('.data')) continue
        try {
          yield base32upper.baseDecode(name.slice(0, -5))
        } catch { /* not a block file */ }
      }
    }
  }

  async totalBytes (): Promise<number> {
    let total = 0
    for await (const mh of this.keys()) total += (await this.size(cidFromMultihash(mh))) ?? 0
    return total
  }

  async size (cid: CID): Promise<number | undefined> {
    try { return (await fs.promises.stat(this.pathOf(cid))).size } catch { return undefined }
  }

  /** Each block is renamed into place when written: nothing to wait for. */
  async settle (_roots?: CID[]): Promise<void> {}

  offline (): BlockStore { return this }

  /** Staged in another directory of the same file system: renamed into place (or, packed there, copied), children first. */
  async land (order: Iterable<CID>, staged: BlockStore): Promise<void> {
    const from = staged instanceof FsBlockStore ? staged : undefined
    if (from === undefined) { await copyBlocks(order, staged, this); return }
    for (const cid of order) {
      if (await this.has(cid)) continue
      // a block packed in the staging store is read (and checked) and written; a file is renamed
      if (!fs.existsSync(from.pathOf(cid))) { await this.put(cid, await from.get(cid)); continue }
      const to = this.pathOf(cid)
      fs.mkdirSync(path.dirname(to), { recursive: true })
      fs.renameSync(from.pathOf(cid), to)
    }
  }

  /** Drops every block not reachable and older than the grace time; and temporary files as old. */
  async collect (plan: CollectPlan): Promise<Collected> {
    const reachable = await plan.reachable()
    const out: Collected = { dropped: { blocks: 0, bytes: 0 }, kept: { blocks: 0, bytes: 0 }, young: 0 }
    const now = Date.now()
    for await (const mh of this.keys()) {
      plan.tick?.()
      const file = this.pathOf(cidFromMultihash(mh))
      let st: fs.Stats
      try { st = fs.statSync(file) } catch { continue }
      const keep = reachable.has(Buffer.from(mh).toString('hex'))
      const young = !keep && plan.graceMs > 0 && now - st.mtimeMs < plan.graceMs
      if (keep || young) {
        if (young) out.young++
        out.kept.blocks++
        out.kept.bytes += st.size
        continue
      }
      out.dropped.blocks++
      out.dropped.bytes += st.size
      if (!plan.dryRun) fs.rmSync(file, { force: true })
    }
    if (!plan.dryRun) removeOlderThan(path.join(this.dir, 'tmp'), now - plan.graceMs)
    return out
  }
}

/** A raw-codec CID for a stored multihash, for listing the store. */
export function cidFromMultihash (mh: Uint8Array, code = 0x55): CID {
  return CID.createV1(code, Digest.decode(mh))
}
