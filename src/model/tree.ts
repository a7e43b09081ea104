import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { reservedAlias } from './names.js'
import * as Digest from 'multiformats/hashes/digest'
import * as raw from 'multiformats/codecs/raw'
import type { UnixFS } from 'ipfs-unixfs'
import type { Bucket } from 'hamt-sharding'
import { BlockStore, sha256, SHA2_256 } from '../store/blockstore.js'
import { fail } from '../errors.js'
import { maxTreeEntries, tooManyEntries } from './limits.js'
import { compactCid } from '../util/cid-list.js'

/**
 * Trees are UnixFS directories, built exactly as ipfs-unixfs-importer's
 * `unixfs-v1-2025` profile builds them, so a commit's tree has the CID that
 * `ipfs add -r` gives and any gateway can browse it. The exec bit lives in the
 * file's own UnixFS mode (0755); nothing else is recorded.
 */

export type Kind = 'file' | 'exec' | 'symlink' | 'dir'

export interface Entry { cid: CID, tsize: number, kind: Kind }
export interface Node { cid: CID, tsize: number }

/**
 * A node as an entry of this kind. Made as a literal, not by spreading the
 * node: V8 gives each object made by spreading another a shape of its own
 * (about 250 bytes more an object; a tree of 100,000 files is 25 MB more).
 */
export function entryOf (n: Node, kind: Kind): Entry {
  return { cid: n.cid, tsize: n.tsize, kind }
}

/** The profile's directory sharding threshold (block-bytes strategy). */
export const SHARD_THRESHOLD = 262_144
const SHARD_FANOUT_BITS = 8
const HAMT_HASH_CODE = 0x22n
const MAX_NAME_BYTES = 255
export const MAX_PATH_BYTES = 4096

export const RAW = raw.code
export const DAG_PB = dagPb.code

export function pbCid (bytes: Uint8Array): CID {
  return CID.createV1(DAG_PB, Digest.create(SHA2_256, sha256(bytes)))
}

export function rawCid (bytes: Uint8Array): CID {
  return CID.createV1(RAW, Digest.create(SHA2_256, sha256(bytes)))
}

/**
 * A tree entry name must be one plain path component. `.acache` and `.git`
 * are never accepted from a tree, nor any spelling a file system on which
 * the tree may be checked out makes one of them (names.ts): it would let a
 * tree write into the repository's own state, or a git checkout's hooks.
 */
export function checkName (name: string, where = ''): void {
  const bad = (why: string): never => fail('BAD_TREE_ENTRY', `refusing tree entry ${JSON.stringify(name)}${where ? ` in ${where}` : ''}: ${why}`, { data: { name, where } })
  if (name === '' || name === '.' || name === '..') bad('not a file name')
  if (name.includes('/')) bad('contains "/"')
  if (name.includes('\0')) bad('contains NUL')
  const alias = reservedAlias(name)
  if (alias !== undefined) bad(alias === name ? `${alias} is reserved` : `${alias} is reserved, and this is ${alias} on Windows or macOS file systems`)
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) bad('name too long')
}

export function joinPath (dir: string, name: string): string {
  return dir === '' ? name : dir + '/' + name
}

// ---------------------------------------------------------------- writing

// ipfs-unixfs and the HAMT code are loaded on first use: `status` needs neither.
let unixfsModule: typeof import('ipfs-unixfs') | undefined
async function unixfs (): Promise<typeof import('ipfs-unixfs')> {
  unixfsModule ??= await import('ipfs-unixfs')
  return unixfsModule
}

export async function symlinkBlock (target: string | Uint8Array): Promise<{ cid: CID, bytes: Uint8Array }> {
  const { UnixFS } = await unixfs()
  const data = typeof target === 'string' ? new TextEncoder().encode(target) : target
  const bytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'symlink', data }).marshal(), Links: [] }))
  return { cid: pbCid(bytes), bytes }
}

async function putNode (store: BlockStore, node: dagPb.PBNode): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = dagPb.encode(dagPb.prepare(node))
  const cid = pbCid(bytes)
  await store.put(cid, bytes)
  return { cid, bytes }
}

/** Writes one directory whose children are already stored. */
export async function writeDirectory (store: BlockStore, children: Map<string, Node & { kind?: Kind }>): Promise<Node> {
  // A directory becomes a HAMT when its node would pass SHARD_THRESHOLD with
  // every link counted, subdirectories too, as Kubo (boxo) decides it. (The
  // JS importer counts only the links it has CIDs for when it estimates,
  // its files: a directory of many subdirectories then stays one block of
  // megabytes, over what bitswap and `ipfs dag import` take.)
  const links: DirLink[] = []
  let tsize = 0
  for (const [name, child] of children) {
    links.push({ name: nameBytes(name), hash: child.cid.bytes, tsize: child.tsize })
    tsize += child.tsize
  }
  const bytes = encodeDirectoryNode(DIRECTORY_DATA, links)
  if (bytes.byteLength > SHARD_THRESHOLD) return await writeSharded(store, children)
  const cid = pbCid(bytes)
  await store.put(cid, bytes)
  return { cid, tsize: tsize + bytes.byteLength }
}

/** A name's UTF-8 bytes: the same names come in directory after directory (bounded memo). */
function nameBytes (name: string): Buffer {
  let b = encodedNames.get(name)
  if (b === undefined) {
    b = Buffer.from(name, 'utf8')
    if (encodedNames.size > 100_000) encodedNames.clear()
    encodedNames.set(name, b)
  }
  return b
}
const encodedNames = new Map<string, Buffer>()

/** The UnixFS Data of a plain directory (type directory, nothing else). */
const DIRECTORY_DATA = Uint8Array.from([0x08, 0x01])

interface DirLink { name: Buffer, hash: Uint8Array, tsize: number }

function varintSize (n: number): number {
  let size = 1
  while (n >= 0x80) { n = Math.floor(n / 128); size++ }
  return size
}

function putVarint (out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) { out[at++] = (n % 128) | 0x80; n = Math.floor(n / 128) }
  out[at++] = n
  return at
}

/**
 * A directory node's dag-pb bytes, exactly as @ipld/dag-pb's prepare and
 * encode give them (links sorted by name bytes, each Hash, Name, Tsize;
 * then Data), with each name encoded once: the library encodes names again
 * for every comparison of its sort, which a commit or an import of
 * thousands of directories notices. test/unit/tree.test.ts compares the two.
 */
export function encodeDirectoryNode (data: Uint8Array, links: DirLink[]): Uint8Array {
  const sorted = links.map((l, i) => ({ l, i })).sort((a, b) => Buffer.compare(a.l.name, b.l.name) || a.i - b.i).map(x => x.l)
  const sizes = sorted.map(l => 1 + varintSize(l.hash.byteLength) + l.hash.byteLength + 1 + varintSize(l.name.byteLength) + l.name.byteLength + 1 + varintSize(l.tsize))
  let total = 1 + varintSize(data.byteLength) + data.byteLength
  for (const s of sizes) total += 1 + varintSize(s) + s
  const out = new Uint8Array(total)
  let at = 0
  for (let k = 0; k < sorted.length; k++) {
    const l = sorted[k]
    out[at++] = 0x12
    at = putVarint(out, at, sizes[k])
    out[at++] = 0x0a
    at = putVarint(out, at, l.hash.byteLength)
    out.set(l.hash, at); at += l.hash.byteLength
    out[at++] = 0x12
    at = putVarint(out, at, l.name.byteLength)
    out.set(l.name, at); at += l.name.byteLength
    out[at++] = 0x18
    at = putVarint(out, at, l.tsize)
  }
  out[at++] = 0x0a
  at = putVarint(out, at, data.byteLength)
  out.set(data, at)
  return out
}

/**
 * One link of a directory node as its dag-pb bytes (field tag, length,
 * Hash, Name, Tsize): a directory that changes in one entry of many is
 * its unchanged links' bytes again plus the new one's (the git import
 * does this). `directoryFromLinks` joins them, in name order, into the
 * same bytes encodeDirectoryNode gives.
 */
export function encodeDirectoryLink (name: Uint8Array, hash: Uint8Array, tsize: number): Uint8Array {
  const size = 1 + varintSize(hash.byteLength) + hash.byteLength + 1 + varintSize(name.byteLength) + name.byteLength + 1 + varintSize(tsize)
  const out = new Uint8Array(1 + varintSize(size) + size)
  out[0] = 0x12
  let at = putVarint(out, 1, size)
  out[at++] = 0x0a
  at = putVarint(out, at, hash.byteLength)
  out.set(hash, at); at += hash.byteLength
  out[at++] = 0x12
  at = putVarint(out, at, name.byteLength)
  out.set(name, at); at += name.byteLength
  out[at++] = 0x18
  putVarint(out, at, tsize)
  return out
}

/** A plain directory's node from its links' bytes (encodeDirectoryLink), already in name-byte order. */
export function directoryFromLinks (links: Uint8Array[]): Uint8Array {
  let total = 2 + DIRECTORY_DATA.byteLength
  for (const l of links) total += l.byteLength
  const out = Buffer.allocUnsafe(total) // every byte written below
  let at = 0
  for (const l of links) { out.set(l, at); at += l.byteLength }
  out[at++] = 0x0a
  out[at++] = DIRECTORY_DATA.byteLength
  out.set(DIRECTORY_DATA, at)
  return out
}

/** The hash a HAMT directory places names by (murmur3, as go-ipfs takes it). */
export async function hamtHash (buf: Uint8Array): Promise<Uint8Array> {
  // go-ipfs uses the first 64 bits of murmur3-128, byte-reversed; so must we.
  const { murmur3128 } = await import('@multiformats/murmur3')
  return (await murmur3128.encode(buf)).slice(0, 8).reverse()
}

async function writeSharded (store: BlockStore, children: Map<string, Node>): Promise<Node> {
  const { createHAMT, Bucket } = await import('hamt-sharding')
  const { UnixFS } = await unixfs()
  const bucket = createHAMT<Node>({ hashFn: hamtHash, bits: SHARD_FANOUT_BITS })
  for (const [name, child] of children) await bucket.put(name, child)
  return await flushBucket(store, bucket, Bucket, UnixFS)
}

async function flushBucket (store: BlockStore, bucket: Bucket<Node>, BucketClass: typeof Bucket, UnixFS: typeof import('ipfs-unixfs').UnixFS): Promise<Node> {
  const kids = (bucket as any)._children
  const padLength = (bucket.tableSize() - 1).toString(16).length
  const Links: dagPb.PBLink[] = []
  let childrenSize = 0
  for (let i = 0; i < kids.length; i++) {
    const child = kids.get(i)
    if (child == null) continue
    const prefix = i.toString(16).toUpperCase().padStart(padLength, '0')
    if (child instanceof BucketClass) {
      const sub = await flushBucket(store, child, BucketClass, UnixFS)
      Links.push({ Name: prefix, Tsize: sub.tsize, Hash: sub.cid })
      childrenSize += sub.tsize
    } else {
      const v = child.value as Node
      Links.push({ Name: prefix + String(child.key), Tsize: v.tsize, Hash: v.cid })
      childrenSize += v.tsize
    }
  }
  const data = new UnixFS({
    type: 'hamt-sharded-directory',
    data: Uint8Array.from(kids.bitField().reverse()),
    fanout: BigInt(bucket.tableSize()),
    hashType: HAMT_HASH_CODE
  })
  const { cid, bytes } = await putNode(store, { Data: data.marshal(), Links })
  return { cid, tsize: bytes.byteLength + childrenSize }
}

/**
 * Builds the whole tree from a flat map of file paths. Directories in `reuse`
 * (path -> node) are known unchanged and are taken as they are, without
 * visiting what is under them.
 */
export interface FileSource { keys: () => Iterable<string>, get: (p: string) => Entry | undefined }

export async function buildTree (store: BlockStore, files: FileSource, reuse?: Map<string, Node>): Promise<{ root: Node, dirs: Map<string, Node> }> {
  // Paths in sorted order hold each directory's files together (all of "a/..."
  // is one run), so the tree is built as the paths go by: a directory is
  // written as soon as the paths leave it, and only the directories open on
  // the way down hold their entries. A commit of 100,000 files then never
  // has an entry and a CID of every file alive at once.
  interface Open { path: string, kids: Map<string, Node & { kind: Kind }> }
  const dirs = new Map<string, Node>()
  const reusedAt = new Set<string>()
  const stack: Open[] = [{ path: '', kids: new Map() }]
  const top = (): Open => stack[stack.length - 1]
  const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1)
  const close = async (): Promise<void> => {
    const d = stack.pop()!
    for (const name of d.kids.keys()) checkName(name, d.path === '' ? 'the root directory' : d.path) // the rule every reader applies
    const n = await writeDirectory(store, d.kids)
    dirs.set(d.path, n)
    top().kids.set(baseName(d.path), entryOf(n, 'dir'))
  }
  const inside = (p: string, dir: string): boolean => dir === '' || p.startsWith(dir + '/')
  const paths = [...files.keys()].sort()
  let skipUnder: string | undefined
  for (const p of paths) {
    // everything under a reused directory is in its node already
    if (skipUnder !== undefined && p.startsWith(skipUnder + '/')) continue
    skipUnder = undefined
    while (!inside(p, top().path)) await close()
    // down to the file's directory, opening each one on the way (or taking a reused one whole)
    let rest = top().path === '' ? p : p.slice(top().path.length + 1)
    let slash = rest.indexOf('/')
    while (slash > 0) {
      const dirPath = joinPath(top().path, rest.slice(0, slash))
      const reused = reuse?.get(dirPath)
      if (reused !== undefined) {
        top().kids.set(rest.slice(0, slash), entryOf(reused, 'dir'))
        dirs.set(dirPath, reused)
        reusedAt.add(dirPath)
        skipUnder = dirPath
        break
      }
      stack.push({ path: dirPath, kids: new Map() })
      rest = rest.slice(slash + 1)
      slash = rest.indexOf('/')
    }
    if (skipUnder !== undefined) continue
    top().kids.set(rest, files.get(p)!)
  }
  while (stack.length > 1) await close()
  const rootDir = stack.pop()!
  for (const name of rootDir.kids.keys()) checkName(name, 'the root directory')
  const root = await writeDirectory(store, rootDir.kids)
  dirs.set('', root)
  // the directories inside a reused one are in the tree too, unchanged
  if (reusedAt.size > 0) {
    for (const [p, n] of reuse!) {
      if (!dirs.has(p) && ancestors(p).some(a => reusedAt.has(a))) dirs.set(p, n)
    }
  }
  return { root, dirs }
}

// ---------------------------------------------------------------- reading

export interface FileInfo { kind: Kind, size: number, unixfs?: UnixFS, node?: dagPb.PBNode }

async function decodeUnixfs (cid: CID, bytes: Uint8Array): Promise<{ node: dagPb.PBNode, unixfs: UnixFS }> {
  const { UnixFS } = await unixfs()
  let node: dagPb.PBNode
  let u: UnixFS
  try {
    node = dagPb.decode(bytes)
    if (node.Data === undefined) throw new Error('no Data')
    u = UnixFS.unmarshal(node.Data)
  } catch (err) {
    fail('BAD_OBJECT', `object ${cid} is not a valid UnixFS node: ${(err as Error).message}`, { data: { cid: cid.toString() } })
  }
  return { node, unixfs: u }
}

/** What kind of tree entry a CID is, reading at most its root block. */
export async function inspect (store: BlockStore, cid: CID): Promise<FileInfo> {
  if (cid.code === RAW) {
    const size = await store.size(cid)
    return { kind: 'file', size: size ?? 0 }
  }
  if (cid.code !== DAG_PB) fail('BAD_TREE_ENTRY', `tree entry ${cid} is neither a file nor a directory`)
  const { node, unixfs } = await decodeUnixfs(cid, await store.get(cid))
  switch (unixfs.type) {
    case 'directory':
    case 'hamt-sharded-directory':
      return { kind: 'dir', size: 0, unixfs, node }
    case 'symlink':
      return { kind: 'symlink', size: unixfs.data?.byteLength ?? 0, unixfs, node }
    case 'file':
    case 'raw':
      return { kind: ((unixfs.mode ?? 0) & 0o111) !== 0 ? 'exec' : 'file', size: Number(unixfs.fileSize()), unixfs, node }
    default:
      return fail('BAD_TREE_ENTRY', `tree entry ${cid} has unsupported UnixFS type ${unixfs.type}`)
  }
}

export async function readSymlink (store: BlockStore, cid: CID): Promise<string> {
  const info = await inspect(store, cid)
  if (info.kind !== 'symlink') fail('BAD_OBJECT', `${cid} is not a symlink`)
  return new TextDecoder().decode(info.unixfs?.data ?? new Uint8Array())
}

/**
 * The links of one shard of a HAMT directory (UnixFS hamt-sharded-directory):
 * its sub-shards (named by the hash prefix alone) and its entries (the
 * prefix taken off the name). The one reader of HAMT links: fetching,
 * verifying and reading trees agree on what a shard holds.
 */
export function hamtShardLinks (cid: CID, node: dagPb.PBNode, unixfs: UnixFS): { shards: CID[], entries: Array<[string, CID, number]> } {
  const fanout = Number(unixfs.fanout ?? 0n)
  if (fanout < 2 || fanout > 4096 || (fanout & (fanout - 1)) !== 0) fail('BAD_OBJECT', `bad HAMT shard in ${cid}`, { data: { cid: cid.toString() } })
  const pad = (fanout - 1).toString(16).length
  const shards: CID[] = []
  const entries: Array<[string, CID, number]> = []
  for (const l of node.Links) {
    const name = l.Name ?? ''
    if (name.length === pad) shards.push(l.Hash)
    else if (name.length > pad) entries.push([name.slice(pad), l.Hash, l.Tsize ?? 0])
    else fail('BAD_OBJECT', `bad HAMT link name in ${cid}`, { data: { cid: cid.toString() } })
  }
  return { shards, entries }
}

/** The links of a directory node, following HAMT shards, names checked. */
async function directoryLinks (store: BlockStore, cid: CID, node: dagPb.PBNode, unixfs: UnixFS, where: string): Promise<Array<[string, CID, number]>> {
  const out: Array<[string, CID, number]> = []
  const limit = maxTreeEntries()
  if (unixfs.type === 'directory') {
    for (const l of node.Links) out.push([l.Name ?? '', l.Hash, l.Tsize ?? 0])
  } else {
    // A real HAMT never holds the same sub-shard twice (its entries' names
    // decide where they go, so two equal shards would hold the same names):
    // one linked many times is a bomb, refused before it multiplies the work.
    const shards = new Set<string>([cid.toString()])
    const walk = async (n: dagPb.PBNode, u: UnixFS, at: CID, depth: number): Promise<void> => {
      if (depth > 64) fail('BAD_OBJECT', `bad HAMT shard in ${cid}`)
      const links = hamtShardLinks(at, n, u)
      for (const e of links.entries) {
        out.push(e)
        if (out.length > limit) tooManyEntries(`directory ${cid}`, limit)
      }
      for (const s of links.shards) {
        const k = s.toString()
        if (shards.has(k)) fail('BAD_OBJECT', `HAMT directory ${cid} links its shard ${k} more than once`, { data: { cid: cid.toString() } })
        shards.add(k)
      }
      // the sub-shards read side by side (a shard has up to 256), walked in their order
      const blocks = links.shards.map(s => store.get(s))
      blocks.forEach(b => { b.catch(() => {}) })
      for (const [i, s] of links.shards.entries()) {
        const sub = await decodeUnixfs(s, await blocks[i])
        if (sub.unixfs.type !== 'hamt-sharded-directory') fail('BAD_OBJECT', `bad HAMT shard in ${cid}`)
        await walk(sub.node, sub.unixfs, s, depth + 1)
      }
    }
    await walk(node, unixfs, cid, 0)
  }
  const seen = new Set<string>()
  for (const [name] of out) {
    checkName(name, where === '' ? 'the root directory' : where)
    if (seen.has(name)) fail('BAD_TREE_ENTRY', `duplicate tree entry ${JSON.stringify(name)} in ${where || 'the root directory'}`)
    seen.add(name)
  }
  return out
}

/** The entries of one directory, each with its kind. */
export async function readDirectory (store: BlockStore, cid: CID, where = ''): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>()
  for (const [name, link] of await readLinks(store, cid, where)) {
    out.set(name, entryOf(link, await kindOf(store, link.cid)))
  }
  return out
}

/** A directory's entries without their kinds (no block read per entry): name -> CID and size. */
export async function readLinks (store: BlockStore, cid: CID, where = ''): Promise<Map<string, Node>> {
  const info = await inspect(store, cid)
  if (info.kind !== 'dir') fail('BAD_OBJECT', `${cid} is not a directory`)
  const out = new Map<string, Node>()
  // (kept compact: a checkout holds every entry of the tree at once)
  for (const [name, c, tsize] of await directoryLinks(store, cid, info.node!, info.unixfs!, where)) out.set(name, { cid: compactCid(c), tsize })
  return out
}

/** What an entry is: a raw CID is a plain file; anything else, its root block says. */
export async function kindOf (store: BlockStore, cid: CID): Promise<Kind> {
  return cid.code === RAW ? 'file' : (await inspect(store, cid)).kind
}

/**
 * How many entries (files, symlinks, directories) a tree expands to, each
 * directory block read once however often it is linked: a DAG bomb is
 * counted in as many reads as it has blocks. Fails past `limit`. `dirs`
 * keeps each directory read, for a walk that expands the tree next.
 */
export interface CountMemo { dirs: Map<string, Map<string, Entry>>, counts: Map<string, number> }

export async function countEntries (store: BlockStore, root: CID, limit = maxTreeEntries(), memo: CountMemo = { dirs: new Map(), counts: new Map() }): Promise<number> {
  const { dirs, counts } = memo
  const count = async (cid: CID, where: string): Promise<number> => {
    const k = cid.toString()
    const known = counts.get(k)
    if (known !== undefined) return known
    counts.set(k, Infinity) // a directory that contains itself cannot be, but never loop
    try {
      if (Buffer.byteLength(where) > MAX_PATH_BYTES) fail('BAD_TREE_ENTRY', `refusing tree path longer than ${MAX_PATH_BYTES} bytes under ${where.slice(0, 200)}`)
      let entries = dirs.get(k)
      if (entries === undefined) { entries = await readDirectory(store, cid, where); dirs.set(k, entries) }
      let n = 0
      for (const [name, e] of entries) {
        n += 1 + (e.kind === 'dir' ? await count(e.cid, joinPath(where, name)) : 0)
        if (n > limit) break
      }
      counts.set(k, n)
      return n
    } catch (err) {
      counts.delete(k) // not known: a later walk tries again
      throw err
    }
  }
  const n = await count(root, '')
  if (n > limit) tooManyEntries(`tree ${root}`, limit)
  return n
}

/**
 * Every file, exec file and symlink under a tree, by path, plus every
 * directory node (the root is ''). Counts the tree first (see countEntries),
 * so a tree past the limit is refused before any path is expanded.
 */
export async function flattenTree (store: BlockStore, root: CID): Promise<{ files: Map<string, Entry>, dirs: Map<string, Node> }> {
  const files = new Map<string, Entry>()
  const dirs = new Map<string, Node>()
  const rootInfo = await inspect(store, root)
  if (rootInfo.kind !== 'dir') fail('BAD_OBJECT', `tree ${root} is not a directory`)
  const read = new Map<string, Map<string, Entry>>()
  await countEntries(store, root, maxTreeEntries(), { dirs: read, counts: new Map() })
  dirs.set('', { cid: root, tsize: 0 })
  const stack: Array<[string, CID]> = [['', root]]
  while (stack.length > 0) {
    const [dirPath, cid] = stack.pop()!
    const entries = read.get(cid.toString()) ?? await readDirectory(store, cid, dirPath)
    for (const [name, e] of entries) {
      const p = joinPath(dirPath, name)
      if (Buffer.byteLength(p) > MAX_PATH_BYTES) fail('BAD_TREE_ENTRY', `refusing tree path longer than ${MAX_PATH_BYTES} bytes under ${dirPath}`)
      if (e.kind === 'dir') {
        dirs.set(p, { cid: e.cid, tsize: e.tsize })
        stack.push([p, e.cid])
      } else {
        files.set(p, e)
      }
    }
  }
  return { files, dirs }
}

/** All ancestors of a path, nearest first, ending with '' (the root). */
export function ancestors (p: string): string[] {
  const out: string[] = []
  let i = p.lastIndexOf('/')
  while (i > 0) {
    out.push(p.slice(0, i))
    i = p.lastIndexOf('/', i - 1)
  }
  out.push('')
  return out
}

/** Finds one path in a tree; undefined when absent. */
export async function lookupPath (store: BlockStore, root: CID, p: string): Promise<Entry | undefined> {
  let cur: Entry = { cid: root, tsize: 0, kind: 'dir' }
  const parts = p.split('/').filter(s => s !== '' && s !== '.')
  let where = ''
  for (const part of parts) {
    if (cur.kind !== 'dir') return undefined
    const next = (await readLinks(store, cur.cid, where)).get(part)
    if (next === undefined) return undefined
    cur = entryOf(next, await kindOf(store, next.cid))
    where = joinPath(where, part)
  }
  return cur
}
