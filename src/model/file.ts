import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { BlockStore } from '../store/blockstore.js'
import * as dagPb from '@ipld/dag-pb'
import { CDC, ChunkerName, Splitter } from './chunker.js'
import { Node, rawCid, pbCid, RAW, DAG_PB } from './tree.js'
import { AcacheError, fail } from '../errors.js'
import { openLeafSink } from '../store/leaf-pool.js'
import { dedupeRange, mayShare } from '../util/reflink.js'

/** The profile's chunk size: a file up to this size (without exec bit) is one raw block. */
export const CHUNK_SIZE = 1_048_576

/** What the layout needs of each leaf or node below a file's root. */
interface Piece { cid: CID, tsize: number, fileSize: number, inline?: Uint8Array }

export interface Layout { chunkSize: number, maxChildren: number }
export const PROFILE_LAYOUT: Layout = { chunkSize: CHUNK_SIZE, maxChildren: 1024 }

/**
 * Builds a file's DAG from its chunks exactly as ipfs-unixfs-importer's
 * fixed-size chunker and balanced layout do (unixfs-v1-2025: raw leaves,
 * 1 MiB, 1024 links a node; a single chunk is the raw leaf itself, or with a
 * mode an inline file node; every inner node carries the mode). Written here
 * because this loop is the cost of committing a large file: it hashes and
 * writes each chunk once, with nothing else in between.
 */
export class FileBuilder {
  private readonly leaves: Piece[] = []
  private UnixFS?: typeof import('ipfs-unixfs').UnixFS
  /** leaves other threads are still hashing and storing */
  private readonly pending: Array<Promise<void>> = []
  private failed?: Error

  constructor (private readonly store: BlockStore, private readonly mode: number | undefined, private readonly layout: Layout = PROFILE_LAYOUT) {}

  /** leaves so far */
  get size (): number { return this.leaves.length }

  /** Adds one chunk: exactly chunkSize bytes, except the last. */
  async add (chunk: Uint8Array): Promise<void> {
    const cid = rawCid(chunk)
    if (this.leaves.length === 0 && this.mode !== undefined) {
      // might become an inline single-chunk node: keep the bytes until we know
      this.leaves.push({ cid, tsize: chunk.byteLength, fileSize: chunk.byteLength, inline: chunk.slice() })
      return
    }
    await this.flushInline()
    await this.store.put(cid, chunk)
    this.leaves.push({ cid, tsize: chunk.byteLength, fileSize: chunk.byteLength })
  }

  /**
   * Adds a leaf of `size` bytes that a LeafSink is hashing and storing;
   * finish() waits for it. Never the only leaf of a file with a mode (that
   * one is inlined: use add()).
   */
  addStored (cid: Promise<CID>, size: number): void {
    const piece: Piece = { cid: undefined as unknown as CID, tsize: size, fileSize: size }
    this.leaves.push(piece)
    this.pending.push(cid.then(c => { piece.cid = c }, (err: Error) => { this.failed ??= err }))
    if (this.failed !== undefined) throw this.failed // a leaf failed: stop reading
  }

  private async flushInline (): Promise<void> {
    const first = this.leaves[0]
    if (first?.inline !== undefined) {
      await this.store.put(first.cid, first.inline)
      first.inline = undefined
    }
  }

  async finish (): Promise<Node> {
    if (this.leaves.length === 0) await this.add(new Uint8Array(0))
    await Promise.all(this.pending.splice(0))
    if (this.failed !== undefined) throw this.failed
    this.UnixFS ??= (await import('ipfs-unixfs')).UnixFS
    if (this.leaves.length === 1) {
      const leaf = this.leaves[0]
      if (this.mode === undefined) {
        return { cid: leaf.cid, tsize: leaf.tsize }
      }
      const data = new this.UnixFS({ type: 'file', mode: this.mode, data: leaf.inline }).marshal()
      const bytes = dagPb.encode(dagPb.prepare({ Data: data, Links: [] }))
      const cid = pbCid(bytes)
      await this.store.put(cid, bytes)
      return { cid, tsize: bytes.byteLength }
    }
    await this.flushInline()
    let level: Piece[] = this.leaves
    for (;;) {
      const next: Piece[] = []
      for (let i = 0; i < level.length; i += this.layout.maxChildren) {
        next.push(await this.reduce(level.slice(i, i + this.layout.maxChildren)))
      }
      if (next.length === 1) return { cid: next[0].cid, tsize: next[0].tsize }
      level = next
    }
  }

  private async reduce (pieces: Piece[]): Promise<Piece> {
    const f = new this.UnixFS!({ type: 'file', mode: this.mode })
    const Links: dagPb.PBLink[] = []
    let tsize = 0
    for (const p of pieces) {
      if (p.fileSize <= 0) continue
      f.addBlockSize(BigInt(p.fileSize))
      Links.push({ Name: '', Tsize: p.tsize, Hash: p.cid })
      tsize += p.tsize
    }
    const bytes = dagPb.encode(dagPb.prepare({ Data: f.marshal(), Links }))
    const cid = pbCid(bytes)
    await this.store.put(cid, bytes)
    return { cid, tsize: bytes.byteLength + tsize, fileSize: Number(f.fileSize()) }
  }
}

/**
 * Stores the bytes of one file from disk, chunk by chunk, so memory does not
 * grow with the file. Large files are hashed and written by worker threads
 * while this one reads (and, for cdc, finds the cut points).
 */
export async function storeFileFromDisk (store: BlockStore, file: string, exec: boolean, size: number, onBytes?: (n: number) => void, chunker: ChunkerName = 'fixed'): Promise<Node> {
  if (!exec && size <= CHUNK_SIZE) {
    const bytes = fs.readFileSync(file)
    if (bytes.byteLength <= CHUNK_SIZE) {
      const cid = rawCid(bytes)
      await store.put(cid, bytes)
      onBytes?.(bytes.byteLength)
      if (bytes.byteLength >= SHARE_MIN) await shareStoredLeaves(store, file, [{ cid: Promise.resolve(cid), at: 0, size: bytes.byteLength }])
      return { cid, tsize: bytes.byteLength }
    }
  }
  const builder = new FileBuilder(store, exec ? 0o755 : undefined)
  const cdc = chunker === 'cdc' && size > CDC.max
  const sink = openLeafSink(store, cdc ? CDC.max : CHUNK_SIZE, size)
  const fd = fs.openSync(file, 'r')
  // where each stored leaf is in the file: the working file shares their extents afterwards, where it can
  const leaves: StoredLeaf[] = []
  let at = 0
  const stored = (cid: Promise<CID>, n: number): void => {
    if (n >= SHARE_MIN && leaves.length < MAX_SHARED_LEAVES) leaves.push({ cid, at, size: n })
    builder.addStored(cid, n)
  }
  try {
    if (cdc) {
      const splitter = new Splitter('cdc', CDC.max, true)
      const leaf = async (c: Uint8Array): Promise<void> => {
        // the first leaf of a file with a mode may end up inlined: the builder keeps its bytes
        if (exec && builder.size === 0) { at += c.byteLength; return await builder.add(c) }
        const buf = await sink.acquire()
        buf.set(c)
        stored(sink.submit(buf, c.byteLength), c.byteLength)
        at += c.byteLength
      }
      const buf = Buffer.allocUnsafe(CHUNK_SIZE)
      for (;;) {
        const n = fs.readSync(fd, buf, 0, CHUNK_SIZE, null)
        if (n === 0) break
        for (const c of splitter.push(buf.subarray(0, n))) await leaf(c)
        onBytes?.(n)
      }
      for (const c of splitter.end()) await leaf(c)
    } else {
      for (;;) {
        const buf = await sink.acquire()
        const filled = readFull(fd, buf)
        if (filled === 0) {
          sink.release(buf)
          break
        }
        if (exec && builder.size === 0) {
          await builder.add(buf.subarray(0, filled))
          sink.release(buf)
        } else {
          stored(sink.submit(buf, filled), filled)
        }
        at += filled
        onBytes?.(filled)
        if (filled < CHUNK_SIZE) break
      }
    }
    const node = await builder.finish()
    await shareStoredLeaves(store, file, leaves)
    return node
  } finally {
    fs.closeSync(fd)
    await sink.close()
  }
}

interface StoredLeaf { cid: Promise<CID>, at: number, size: number }

/** Leaves smaller than this are not worth a system call to share. */
const SHARE_MIN = 64 * 1024
/** At most this many leaves of one file are remembered for sharing (16 GiB of 1 MiB leaves). */
const MAX_SHARED_LEAVES = 16384

/**
 * After a file's leaves are stored: where the file system can (reflink),
 * the working file shares each leaf's extents instead of holding a second
 * copy. The kernel compares the bytes first (FIDEDUPERANGE), so a file
 * changed meanwhile keeps its own; its content and times never change.
 */
async function shareStoredLeaves (store: BlockStore, file: string, leaves: StoredLeaf[]): Promise<void> {
  if (leaves.length === 0 || store.blockFile === undefined) return
  let fd: number
  try { fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW) } catch { return } // read-only, or gone: it keeps its copy
  try {
    const dev = fs.fstatSync(fd).dev
    if (!mayShare(dev)) return
    for (const leaf of leaves) {
      const src = store.blockFile(await leaf.cid)
      if (src !== undefined) dedupeRange(fd, dev, src, 0, leaf.size, leaf.at)
      if (!mayShare(dev)) return
    }
  } finally {
    fs.closeSync(fd)
  }
}

function readFull (fd: number, buf: Uint8Array): number {
  let filled = 0
  while (filled < buf.byteLength) {
    const n = fs.readSync(fd, buf, filled, buf.byteLength - filled, null)
    if (n === 0) break
    filled += n
  }
  return filled
}

export async function storeBytes (store: BlockStore, bytes: Uint8Array, exec = false, layout: Layout = PROFILE_LAYOUT, chunker: ChunkerName = 'fixed'): Promise<Node> {
  const builder = new FileBuilder(store, exec ? 0o755 : undefined, layout)
  if (chunker === 'cdc' && bytes.byteLength > CDC.max) {
    const splitter = new Splitter('cdc')
    for (const c of [...splitter.push(bytes), ...splitter.end()]) await builder.add(c)
    return await builder.finish()
  }
  for (let o = 0; o < bytes.byteLength; o += layout.chunkSize) {
    await builder.add(bytes.subarray(o, Math.min(bytes.byteLength, o + layout.chunkSize)))
  }
  return await builder.finish()
}

/** How many blocks below one file node are read ahead of the one being streamed (memory: this many blocks a level). */
const READ_AHEAD = 4
/** Deeper than this, a file DAG is refused (the importer's balanced layout of even a petabyte is 4 levels). */
const MAX_FILE_DEPTH = 16

interface FileNode { data?: Uint8Array, links: CID[], sizes: number[], size: number }

/** A file's node as its bytes say it is: raw, or a UnixFS file whose parts add up to the size it declares. */
async function fileNode (cid: CID, bytes: Uint8Array): Promise<FileNode> {
  if (cid.code === RAW) return { data: bytes, links: [], sizes: [], size: bytes.byteLength }
  if (cid.code !== DAG_PB) fail('BAD_OBJECT', `${cid} is not a file (codec 0x${cid.code.toString(16)})`, { data: { cid: cid.toString() } })
  const { UnixFS } = await import('ipfs-unixfs')
  let node: dagPb.PBNode
  let u: InstanceType<typeof UnixFS>
  try {
    node = dagPb.decode(bytes)
    u = UnixFS.unmarshal(node.Data ?? new Uint8Array())
  } catch (err) {
    return fail('BAD_OBJECT', `${cid} is not a UnixFS file: ${(err as Error).message}`, { data: { cid: cid.toString() } })
  }
  if (u.type !== 'file' && u.type !== 'raw') fail('BAD_OBJECT', `${cid} is not a file (it is a ${u.type})`, { data: { cid: cid.toString() } })
  if (node.Links.length !== u.blockSizes.length) fail('BAD_OBJECT', `file node ${cid} is damaged: it has ${node.Links.length} links but ${u.blockSizes.length} sizes`, { data: { cid: cid.toString() } })
  const sizes = u.blockSizes.map(Number)
  const size = Number(u.fileSize())
  const parts = (u.data?.byteLength ?? 0) + sizes.reduce((a, b) => a + b, 0)
  if (parts !== size) fail('BAD_OBJECT', `file node ${cid} is damaged: it claims ${size} bytes but its parts hold ${parts}`, { data: { cid: cid.toString() } })
  return { data: u.data, links: node.Links.map(l => l.Hash), sizes, size }
}

/**
 * Streams a file's bytes; `offset`/`length` read only the blocks that hold
 * them. Read in order with a few blocks ahead of the consumer at most, so a
 * file of any claimed size is read in bounded memory; every node's parts
 * must add up to what its parent says it holds, or the read stops with one
 * clear error (a file that lies about its sizes).
 */
export async function * readFileContent (store: BlockStore, cid: CID, opts: { offset?: number, length?: number } = {}): AsyncGenerator<Uint8Array> {
  for await (const part of readFileParts(store, cid, opts)) yield part.bytes
}

/** A piece of a file's bytes, and the raw leaf it is when it is one whole (so a checkout may share that block's extents). */
export interface FilePart { bytes: Uint8Array, leaf?: CID }

/** readFileContent, each piece with the leaf it is when it is a whole one. */
export async function * readFileParts (store: BlockStore, cid: CID, opts: { offset?: number, length?: number } = {}): AsyncGenerator<FilePart> {
  const root = await fileNode(cid, await store.get(cid))
  const start = Math.max(0, opts.offset ?? 0)
  const end = opts.length === undefined ? root.size : Math.min(root.size, start + Math.max(0, opts.length))
  if (start >= end) return
  yield * walkFile(store, cid, root, 0, start, end, 0)
}

async function * walkFile (store: BlockStore, cid: CID, node: FileNode, at: number, start: number, end: number, depth: number): AsyncGenerator<FilePart> {
  if (depth > MAX_FILE_DEPTH) fail('BAD_OBJECT', `file ${cid} is damaged: it nests deeper than ${MAX_FILE_DEPTH} levels`, { data: { cid: cid.toString() } })
  const slice = (bytes: Uint8Array, from: number): Uint8Array | undefined => {
    const s = Math.max(start, from)
    const e = Math.min(end, from + bytes.byteLength)
    return s < e ? bytes.subarray(s - from, e - from) : undefined
  }
  if (node.data !== undefined && node.data.byteLength > 0) {
    const part = slice(node.data, at)
    if (part !== undefined) yield { bytes: part }
    at += node.data.byteLength
  }
  // the children that hold bytes of [start, end), each with where it starts
  const wanted: Array<{ cid: CID, from: number, size: number }> = []
  for (let i = 0; i < node.links.length; i++) {
    const from = at
    at += node.sizes[i]
    if (at <= start || node.sizes[i] === 0) continue
    if (from >= end) break
    wanted.push({ cid: node.links[i], from, size: node.sizes[i] })
  }
  const ahead: Array<Promise<Uint8Array>> = []
  const ask = (k: number): void => { if (k < wanted.length) { const p = store.get(wanted[k].cid); p.catch(() => {}); ahead.push(p) } }
  for (let k = 0; k < READ_AHEAD; k++) ask(k)
  for (let k = 0; k < wanted.length; k++) {
    const w = wanted[k]
    const bytes = await ahead.shift()!
    ask(k + READ_AHEAD)
    const child = await fileNode(w.cid, bytes)
    if (child.size !== w.size) fail('BAD_OBJECT', `file ${cid} is damaged: it says a part holds ${w.size} bytes, but ${w.cid} holds ${child.size}`, { data: { cid: cid.toString() } })
    if (w.cid.code === RAW) {
      const part = slice(bytes, w.from)
      if (part !== undefined) yield part.byteLength === bytes.byteLength ? { bytes: part, leaf: w.cid } : { bytes: part }
    } else {
      yield * walkFile(store, w.cid, child, w.from, start, end, depth + 1)
    }
  }
}

/**
 * A whole file's bytes. With `cap`, at most that many: a file that claims or
 * turns out to hold more (a directory link or node may lie about sizes) is
 * a TOO_LARGE error before more than `cap` bytes are held.
 */
export async function readFileBytes (store: BlockStore, cid: CID, cap = Infinity, what = `file ${cid.toString()}`): Promise<Uint8Array> {
  // refused by the size it declares, before any part is read
  const declared = await storedFileSize(store, cid)
  if (declared > cap) fail('TOO_LARGE', `${what} is larger than ${cap} bytes (it declares ${declared})`, { data: { cid: cid.toString(), limit: cap } })
  const parts: Uint8Array[] = []
  let total = 0
  for await (const c of readFileContent(store, cid)) {
    total += c.byteLength
    if (total > cap) fail('TOO_LARGE', `${what} is larger than ${cap} bytes`, { data: { cid: cid.toString(), limit: cap } })
    parts.push(c)
  }
  return Buffer.concat(parts)
}

export const isTooLarge = (err: unknown): boolean => err instanceof AcacheError && err.code === 'TOO_LARGE'

/** How many bytes a stored file holds, from its root node alone. */
export async function storedFileSize (store: BlockStore, cid: CID): Promise<number> {
  return (await fileNode(cid, await store.get(cid))).size
}

/**
 * Whether two byte streams are equal, read side by side and stopped at the
 * first difference: how acache tells that two CIDs (or a CID and a file on
 * disk) hold the same bytes though chunked differently (.acacheattributes'
 * chunker changed between them).
 */
async function sameStreams (a: AsyncIterable<Uint8Array>, b: AsyncIterable<Uint8Array>): Promise<boolean> {
  const ia = a[Symbol.asyncIterator]()
  const ib = b[Symbol.asyncIterator]()
  let ca: Uint8Array = new Uint8Array()
  let cb: Uint8Array = new Uint8Array()
  let doneA = false
  let doneB = false
  try {
    for (;;) {
      if (ca.byteLength === 0 && !doneA) { const r = await ia.next(); if (r.done === true) doneA = true; else ca = r.value; continue }
      if (cb.byteLength === 0 && !doneB) { const r = await ib.next(); if (r.done === true) doneB = true; else cb = r.value; continue }
      // one side has ended: equal only if both have, with nothing left over
      if (ca.byteLength === 0 || cb.byteLength === 0) return ca.byteLength === cb.byteLength
      const n = Math.min(ca.byteLength, cb.byteLength)
      if (Buffer.compare(ca.subarray(0, n), cb.subarray(0, n)) !== 0) return false
      ca = ca.subarray(n)
      cb = cb.subarray(n)
    }
  } finally {
    await ia.return?.()
    await ib.return?.()
  }
}

/** Whether two stored files hold the same bytes (sizes first, then the bytes). */
export async function sameStoredContent (store: BlockStore, a: CID, b: CID): Promise<boolean> {
  if (a.equals(b)) return true
  if (await storedFileSize(store, a) !== await storedFileSize(store, b)) return false
  return await sameStreams(readFileContent(store, a), readFileContent(store, b))
}

/** Whether the file at `abs` (of `size` bytes) holds the bytes stored under `cid`. */
export async function sameContentOnDisk (store: BlockStore, cid: CID, abs: string, size: number): Promise<boolean> {
  if (await storedFileSize(store, cid) !== size) return false
  return await sameStreams(readFileContent(store, cid), fs.createReadStream(abs, { highWaterMark: CHUNK_SIZE }))
}
