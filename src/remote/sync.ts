import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { CidList } from '../util/cid-list.js'
import { BlockStore, checkBlock } from '../store/blockstore.js'
import { AcacheError, fail } from '../errors.js'
import { Commit, DAG_JSON, admitCommit, decodeCommit } from '../model/commit.js'
import { DAG_PB, RAW, checkName, hamtShardLinks } from '../model/tree.js'
import type { UnixFS } from 'ipfs-unixfs'
import { CHUNK_SIZE } from '../model/file.js'
import { MAX_BLOCK_BYTES, blockTooLarge } from '../model/limits.js'
import { LeafSink, POOL_MIN_BYTES, openLeafSink } from '../store/leaf-pool.js'
import { PackedBlockStore, PACK_MAX_BLOCK } from '../store/packed-blockstore.js'
import { Reached, walkDag } from '../model/dag.js'

export interface Moved { blocks: number, bytes: number }

/** blocks asked for ahead of their turn while fetching (an acache server is asked for them in one request) */
const PREFETCH = 32

export interface PullOptions {
  /** commits to take from each head: the rest of history stays at the remote */
  depth?: number
  /** only the blocks under these paths (directories on the way are taken too) */
  paths?: string[]
  /** the local store may hold blocks without all they link to (an earlier partial fetch): look inside them */
  partialLocal?: boolean
  /**
   * Whether a present block is known to come with its whole closure,
   * verified (the repository's CompleteSet). Presence alone never is: the
   * store is keyed by hash, so a present block may have come as a file's
   * bytes. A present raw block is complete by nature (it has no links).
   */
  complete?: (cid: CID) => boolean
}

export interface Pulled extends Moved {
  /** blocks in the order they may land: every block after all it links to (as bytes: one a block fetched) */
  order: CidList
  /** commits new to us, newest first as found */
  commits: Array<{ cid: CID, commit: Commit }>
  /** commits whose parents were left at the remote (by depth) */
  shallow: string[]
  /** links left at the remote (by depth or paths) */
  skipped: number
  /** present blocks taken as complete without looking inside (raw, or in the complete set): still there when landing? */
  present: CID[]
  /** every commit and node walked (fetched or looked inside): complete once landed, unless links were skipped */
  nodes: CID[]
}

type Walk = { kind: 'commit', depth: number } | { kind: 'tree', path: string } | { kind: 'any' }

const related = (p: string, paths: string[]): boolean => paths.some(q => q === '' || p === q || p.startsWith(q + '/') || q.startsWith(p + '/'))

/** A block's links with how to walk each, checking on the way what only a block can tell (names, signatures). */
async function expand (cid: CID, bytes: Uint8Array, walk: Walk, opts: PullOptions, out: { commit?: Commit, shallow: boolean, skipped: number }): Promise<Array<{ cid: CID, walk: Walk }>> {
  // Each link is followed as what it must be: a commit's parents are commits,
  // its tree and everything below are UnixFS (dag-pb or raw).
  if (walk.kind === 'commit' ? cid.code !== DAG_JSON : cid.code !== DAG_PB && cid.code !== RAW) {
    fail('BAD_OBJECT', `${cid} is linked as ${walk.kind === 'commit' ? 'a commit' : 'part of a tree'} but its codec is 0x${cid.code.toString(16)}`, { data: { cid: cid.toString() } })
  }
  if (cid.code === RAW) return []
  if (cid.code === DAG_JSON) {
    const c = admitCommit(cid, bytes)
    out.commit = c
    const depth = walk.kind === 'commit' ? walk.depth : 0
    const kids: Array<{ cid: CID, walk: Walk }> = [{ cid: c.tree, walk: { kind: 'tree', path: '' } }]
    if (opts.depth !== undefined && depth + 1 >= opts.depth) {
      if (c.parents.length > 0) { out.shallow = true; out.skipped += c.parents.length }
    } else {
      for (const p of c.parents) kids.push({ cid: p, walk: { kind: 'commit', depth: depth + 1 } })
    }
    return kids
  }
  if (cid.code !== DAG_PB) fail('BAD_OBJECT', `block ${cid} has an unsupported codec`)
  let node: dagPb.PBNode
  try { node = dagPb.decode(bytes) } catch { return fail('BAD_OBJECT', `block ${cid} is not valid dag-pb`) }
  let unixfs: UnixFS | undefined
  if (node.Data !== undefined) {
    const { UnixFS } = await import('ipfs-unixfs')
    try { unixfs = UnixFS.unmarshal(node.Data) } catch { fail('BAD_OBJECT', `block ${cid} is not valid UnixFS`) }
  }
  const kids: Array<{ cid: CID, walk: Walk }> = []
  const entry = (name: string, c: CID): void => {
    checkName(name, `directory ${cid}`)
    const base = walk.kind === 'tree' ? walk.path : ''
    const p = base === '' ? name : `${base}/${name}`
    if (walk.kind === 'tree' && opts.paths !== undefined && !related(p, opts.paths)) { out.skipped++; return }
    kids.push({ cid: c, walk: walk.kind === 'tree' ? { kind: 'tree', path: p } : { kind: 'any' } })
  }
  if (unixfs?.type === 'hamt-sharded-directory') {
    const { shards, entries } = hamtShardLinks(cid, node, unixfs)
    for (const s of shards) kids.push({ cid: s, walk }) // a sub-shard of the same directory
    for (const [name, c] of entries) entry(name, c)
  } else if (unixfs?.type === 'directory') {
    for (const l of node.Links) entry(l.Name ?? '', l.Hash)
  } else {
    for (const l of node.Links) kids.push({ cid: l.Hash, walk: { kind: 'any' } })
  }
  return kids
}

/**
 * Copies into `staging` every block reachable from `roots` that `local`
 * lacks (within `opts.depth` and `opts.paths`), reading them with `get`,
 * checking each against its CID and the size limit, every commit's
 * signature and every directory entry's name, each link by the codec it
 * must have. A present block stops the walk only when it is raw or known
 * complete (`opts.complete`); any other present block is looked inside, so
 * a planted block can never stand for a history it does not come with.
 * Every block is visited once, so work follows distinct blocks, not paths.
 */
export async function pullObjects (local: BlockStore, get: (cid: CID) => Promise<Uint8Array>, roots: CID[], staging: BlockStore, onBlock: (bytes: number) => void = () => {}, opts: PullOptions = {}): Promise<Pulled> {
  const out: Pulled = { blocks: 0, bytes: 0, order: new CidList(), commits: [], shallow: [], skipped: 0, present: [], nodes: [] }
  const complete = opts.complete ?? (() => false)
  const visited = new Set<string>()
  const fetched = new Set<string>()
  // The leaves of files (raw blocks, most of the bytes) next in line are
  // asked for a few at a time, so the network is busy while we check and
  // store the last ones; what they are and in which order they land does not change.
  const ahead = new Map<string, Promise<Uint8Array | undefined>>()
  const leaves = new LeafWriter(staging)
  const upcoming = (next: Array<Reached<Walk>>): void => {
    // topped up in bulk when half used, so that what is asked for together goes as one request
    if (ahead.size > PREFETCH / 2) return
    for (const { cid } of next) {
      if (ahead.size >= PREFETCH) return
      const key = cid.toString()
      if (cid.code !== RAW || visited.has(key) || ahead.has(key)) continue
      const p = (async () => (await local.has(cid)) ? undefined : await get(cid))()
      p.catch(() => {}) // awaited when its turn comes
      ahead.set(key, p)
    }
  }
  const read = async ({ cid }: Reached<Walk>): Promise<Uint8Array | undefined> => {
    const key = cid.toString()
    visited.add(key)
    const early = ahead.get(key)
    ahead.delete(key)
    const got = early === undefined ? undefined : await early
    const here = early !== undefined ? got === undefined : await local.has(cid)
    // present and known whole: stop here (a raw block has nothing below it)
    if (here && (cid.code === RAW || complete(cid))) { out.present.push(cid); return undefined }
    // present, but never verified as what it is linked as: look inside
    if (here) return await local.get(cid)
    let bytes: Uint8Array
    let stored: boolean
    let size: number
    try {
      bytes = got ?? await get(cid)
      // the block rule (admitBlock): the size here, the hash by the leaf workers or below
      if (bytes.byteLength > MAX_BLOCK_BYTES) blockTooLarge(key, bytes.byteLength)
      size = bytes.byteLength
      // (a block the leaf threads take may be moved there: empty here afterwards)
      stored = await leaves.take(cid, bytes)
      if (!stored) checkBlock(cid, bytes)
    } catch (err) {
      throw badBlock(err, cid)
    }
    if (!stored) await staging.put(cid, bytes)
    fetched.add(key)
    out.blocks++
    out.bytes += size
    onBlock(size)
    return bytes
  }
  const links = async ({ cid, via }: Reached<Walk>, bytes: Uint8Array): Promise<Array<Reached<Walk>>> => {
    const info: { commit?: Commit, shallow: boolean, skipped: number } = { shallow: false, skipped: 0 }
    const kids = await expand(cid, bytes, via, opts, info)
    out.skipped += info.skipped
    if (info.shallow) out.shallow.push(cid.toString())
    if (cid.code !== RAW) out.nodes.push(cid)
    // a commit looked inside enters history now as much as a fetched one: checked the same way
    if (info.commit !== undefined) out.commits.push({ cid, commit: info.commit })
    return kids.map(k => ({ cid: k.cid, via: k.walk }))
  }
  try {
    const start = roots.map(cid => ({ cid, via: (cid.code === DAG_JSON ? { kind: 'commit', depth: 0 } : { kind: 'any' }) as Walk }))
    for await (const { cid } of walkDag({ roots: start, read, links, first: 'children', upcoming })) {
      if (fetched.has(cid.toString())) out.order.push(cid)
    }
    await leaves.finish()
  } finally {
    await leaves.close()
  }
  return out
}

function badBlock (err: unknown, cid: CID): unknown {
  if (err instanceof AcacheError && err.code === 'CORRUPT_OBJECT') {
    return new AcacheError('BAD_OBJECT', `the remote sent block ${cid} with bytes that do not match its CID`, { data: { cid: cid.toString() } })
  }
  return err
}

/**
 * Checks and stages the raw leaves of a large fetch on worker threads (the
 * leaf pool), so that hashing and writing them overlaps receiving the next.
 * Starts once enough leaf bytes have come to be worth it; a bad block fails
 * the fetch when it is found, or at the end.
 */
class LeafWriter {
  private sink?: LeafSink
  private seen = 0
  private readonly pending: Array<Promise<unknown>> = []
  private failed?: unknown

  constructor (private readonly staging: BlockStore) {}

  /** True when the block is now the pool's to check and store. */
  async take (cid: CID, bytes: Uint8Array): Promise<boolean> {
    if (this.failed !== undefined) throw this.failed
    if (cid.code !== RAW || bytes.byteLength > CHUNK_SIZE) return false
    // a small block goes into the staging store's pack (the pool writes a file a block)
    if (this.staging instanceof PackedBlockStore && bytes.byteLength <= PACK_MAX_BLOCK) return false
    this.seen += bytes.byteLength
    if (this.sink === undefined) {
      if (this.seen < POOL_MIN_BYTES) return false
      this.sink = openLeafSink(this.staging, CHUNK_SIZE, this.seen)
    }
    // moved to a leaf thread when it is the transport's own buffer (util/owned.ts), else copied into a slot
    const { cid: stored } = await this.sink.hand(bytes, cid)
    this.pending.push(stored.catch(err => { this.failed ??= badBlock(err, cid) }))
    return true
  }

  async finish (): Promise<void> {
    await Promise.all(this.pending)
    if (this.failed !== undefined) throw this.failed
  }

  async close (): Promise<void> {
    await this.sink?.close()
  }
}

/**
 * Sends the remote every block reachable from `roots` that it lacks,
 * children before parents (so the remote's closure rule holds even if we
 * are killed half way; `first: 'parents'` for a CAR written whole, a bundle). The remote's word that it has a block is taken only
 * for raw blocks (nothing below them); commits and nodes are skipped only
 * when `known` says the remote holds them whole (what it accepted before).
 */
export async function pushObjects (local: BlockStore, has: (cid: CID) => Promise<boolean>, put: (cid: CID, bytes: Uint8Array) => Promise<void>, roots: CID[], onBlock: (bytes: number) => void = () => {}, known: (cid: CID) => boolean = () => false, first: 'children' | 'parents' = 'children', hasMany?: (cids: CID[]) => Promise<boolean[]>): Promise<Moved> {
  const out: Moved = { blocks: 0, bytes: 0 }
  // what the remote said of raw blocks asked about together (a directory's files in one question)
  const answered = new Map<string, boolean>()
  const remoteHas = async (cid: CID): Promise<boolean> => {
    const k = cid.toString()
    const a = answered.get(k)
    answered.delete(k)
    return a ?? await has(cid)
  }
  const read = async ({ cid }: Reached<Walk>): Promise<Uint8Array | undefined> =>
    known(cid) || (cid.code === RAW && await remoteHas(cid)) ? undefined : await local.get(cid)
  const links = async ({ cid, via }: Reached<Walk>, bytes: Uint8Array): Promise<Array<Reached<Walk>>> => {
    const kids = (await expand(cid, bytes, via, {}, { shallow: false, skipped: 0 })).map(k => ({ cid: k.cid, via: k.walk }))
    if (hasMany !== undefined) {
      const ask = kids.filter(k => k.cid.code === RAW && !known(k.cid) && !answered.has(k.cid.toString())).map(k => k.cid)
      if (ask.length > 1) {
        const got = await hasMany(ask)
        ask.forEach((c, i) => answered.set(c.toString(), got[i]))
      }
    }
    return kids
  }
  const start = roots.map(cid => ({ cid, via: (cid.code === DAG_JSON ? { kind: 'commit', depth: 0 } : { kind: 'any' }) as Walk }))
  for await (const { cid, bytes } of walkDag({ roots: start, read, links, first })) {
    await put(cid, bytes)
    out.blocks++
    out.bytes += bytes.byteLength
    onBlock(bytes.byteLength)
  }
  return out
}

/**
 * What a remote holds whole: the commits `commits` name (its accepted heads)
 * and every node of their trees, read from `local`. Blocks missing here
 * (a partial fetch) are left out.
 */
export async function knownClosure (local: BlockStore, commits: CID[]): Promise<Set<string>> {
  const known = new Set<string>()
  const read = async ({ cid }: Reached<undefined>): Promise<Uint8Array | undefined> => {
    known.add(cid.toString())
    try { return await local.get(cid) } catch { return undefined }
  }
  // a commit leads to its tree (not its parents: each head is named), a node to the nodes below it
  const links = ({ cid }: Reached<undefined>, bytes: Uint8Array): Array<Reached<undefined>> => {
    try {
      const next = cid.code === DAG_JSON ? [decodeCommit(bytes, cid).tree] : dagPb.decode(bytes).Links.map(l => l.Hash)
      return next.filter(c => c.code === DAG_PB).map(c => ({ cid: c, via: undefined }))
    } catch { return [] }
  }
  for await (const _ of walkDag({ roots: commits.map(cid => ({ cid, via: undefined })), read, links })) void _
  return known
}
