import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { UnixFS } from 'ipfs-unixfs'
import { BlockStore } from '../store/blockstore.js'
import { DAG_PB, RAW } from '../model/tree.js'
import { fail } from '../errors.js'

/** A small LRU of verified blocks, so that many small reads of one 1 MiB leaf read it from disk once. */
export class BlockCache {
  private readonly map = new Map<string, Uint8Array>()
  private bytes = 0
  /** decoded file nodes: a 1 GiB file's root is decoded once, not on every read */
  readonly nodes = new Map<string, { node: dagPb.PBNode, u: UnixFS, sizes: number[] }>()

  /**
   * `read`: how a block is read when not cached (`part`: a part of a larger file, the leaves a read pool's threads take, for a mount);
   * `evicted`: told of each block the cache lets go of (readRange copies a block's bytes out as soon as it has them, and keeps none)
   */
  constructor (
    store: BlockStore,
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly read: (cid: CID, part: boolean) => Promise<Uint8Array> = async (cid) => await store.get(cid),
    private readonly evicted: (bytes: Uint8Array) => void = () => {}
  ) {}

  /** reads under way: several FUSE reads of one block share one read and one hash */
  private readonly loading = new Map<string, Promise<Uint8Array>>()

  /** Starts reading a block the next reads will want (a failure is left for the read that asks). */
  prefetch (cid: CID): void {
    if (this.map.has(cid.toString()) || this.loading.has(cid.toString())) return
    this.get(cid, true).catch(() => {})
  }

  async get (cid: CID, part = false): Promise<Uint8Array> {
    const k = cid.toString()
    const hit = this.map.get(k)
    if (hit !== undefined) {
      this.map.delete(k)
      this.map.set(k, hit)
      return hit
    }
    const inFlight = this.loading.get(k)
    if (inFlight !== undefined) return await inFlight
    const p = this.read(cid, part)
    this.loading.set(k, p)
    let b: Uint8Array
    try { b = await p } finally { this.loading.delete(k) }
    this.map.set(k, b)
    this.bytes += b.byteLength
    while (this.bytes > this.maxBytes && this.map.size > 1) {
      const [oldest, v] = this.map.entries().next().value as [string, Uint8Array]
      this.map.delete(oldest)
      this.bytes -= v.byteLength
      this.evicted(v)
    }
    return b
  }
}

/**
 * Reads bytes [offset, offset+length) of a UnixFS file, fetching only the
 * blocks that hold them (walking blockSizes down the balanced DAG), and
 * `ahead` leaves after them for a reader going through in order. Checks
 * that the sizes a node claims add up, so a file whose sizes lie is an
 * error, never a read past what is there.
 */
export async function readRange (cache: BlockCache, cid: CID, offset: number, length: number, out: Uint8Array, outOffset = 0, ahead = 0, part = false): Promise<number> {
  if (length <= 0) return 0
  const bytes = await cache.get(cid, part)
  if (cid.code === RAW) {
    const n = Math.max(0, Math.min(length, bytes.byteLength - offset))
    if (n > 0) out.set(bytes.subarray(offset, offset + n), outOffset)
    return n
  }
  if (cid.code !== DAG_PB) fail('BAD_OBJECT', `${cid} is not a file block`)
  const key = cid.toString()
  let decoded = cache.nodes.get(key)
  if (decoded === undefined) {
    const node = dagPb.decode(bytes)
    const u = UnixFS.unmarshal(node.Data ?? new Uint8Array())
    decoded = { node, u, sizes: u.blockSizes.map(Number) }
    if (cache.nodes.size > 4096) cache.nodes.clear()
    cache.nodes.set(key, decoded)
  }
  const { node, u, sizes } = decoded
  if (u.type !== 'file' && u.type !== 'raw') fail('BAD_OBJECT', `${cid} is not a file`)
  let done = 0
  const data = u.data ?? new Uint8Array()
  if (data.byteLength > 0) {
    const n = Math.max(0, Math.min(length, data.byteLength - offset))
    if (n > 0) { out.set(data.subarray(offset, offset + n), outOffset); done += n }
  }
  if (node.Links.length !== u.blockSizes.length) fail('BAD_OBJECT', `file node ${cid} has ${node.Links.length} links but ${u.blockSizes.length} sizes`)
  let start = data.byteLength
  for (let i = 0; i < node.Links.length && done < length; i++) {
    const size = sizes[i]
    const end = start + size
    const want = offset + done
    if (want < end && want >= start) {
      // a file read in order: the next leaves are read (and hashed, off this thread) while this one is copied out
      for (let j = i + 1; j <= i + ahead && j < node.Links.length; j++) if (node.Links[j].Hash.code === RAW) cache.prefetch(node.Links[j].Hash)
      const n = await readRange(cache, node.Links[i].Hash, want - start, Math.min(length - done, end - want), out, outOffset + done, ahead, true)
      if (n !== Math.min(length - done, end - want)) fail('BAD_OBJECT', `file node ${cid} claims ${size} bytes in block ${i} but it holds fewer`)
      done += n
    }
    start = end
  }
  return done
}
