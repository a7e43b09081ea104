import { CID } from 'multiformats/cid'
import { Repo } from '../../repo/repo.js'
import { writeFileAtomic } from '../../util/fs.js'
import { cidText, cidFromText } from '../../util/cid-text.js'
import { Entry, flattenTree, Kind, Node } from '../../model/tree.js'
import type { FileKind, FileStat } from './index-file.js'
import { isWalkRecord, type WalkRecord } from './walk-record.js'
import { preloadedIndex } from './preload.js'
import { encodeIndexFile, indexColumns, IndexColumns, indexPaths, KIND_NAMES, readIndexFile, indexLayout, IndexLayout, RACY_MS, ROW_NUMBERS, rowMatches } from './index-file.js'

/**
 * A stat cache, like git's index but with no staging role: for each path of
 * the tree it describes (HEAD's), the CID plus the stat data seen when that
 * CID was computed. A file whose size, mtime, ctime, inode and mode still
 * match is unchanged without being read.
 *
 * Racily clean files (git's term): a file whose mtime was within RACY_MS of
 * the clock when we read it could change again within the same timestamp
 * tick without its stat changing; such an entry is recorded without stat
 * data ("smudged") so the next look re-reads it.
 */

export interface IndexEntry {
  kind: FileKind
  cid: string
  tsize: number
  /** -1 when no stat is trusted (smudged or never seen) */
  size: number
  mtimeMs: number
  ctimeMs: number
  ino: number
}

const KINDS: readonly FileKind[] = KIND_NAMES
export const MATCH = 1
export const DIFFERS = 2

/**
 * The entries of a stat cache. Read from disk they stay in the columns they
 * were read into (numbers in a Float64Array, paths as strings, CIDs as byte
 * ranges) and become objects only when asked for, so `status` on 100,000
 * unchanged files allocates almost nothing per file.
 */
export class EntryTable implements Iterable<[string, IndexEntry]> {
  /** path -> row number (as read) or entry; made on first use after decode (status of an unchanged tree never needs it) */
  private map?: Map<string, number | IndexEntry>
  private numbers: Float64Array<ArrayBufferLike> = new Float64Array(0)
  private kinds: Uint8Array<ArrayBufferLike> = new Uint8Array(0)
  private cidStart: Uint32Array<ArrayBufferLike> = new Uint32Array(0)
  private buf: Buffer = Buffer.alloc(0)
  /** the paths as read, in order, while no entry was added or removed (`strings` decoded from `bytes` when first asked for) */
  private decoded?: { count: number, bytes: Uint8Array, strings?: string[] }
  /** whether any entry was set since */
  private touched = false

  constructor (from?: Iterable<[string, IndexEntry]>) {
    this.map = new Map(from)
  }

  private get rows (): Map<string, number | IndexEntry> {
    if (this.map === undefined) {
      const paths = this.paths()
      const map = new Map<string, number | IndexEntry>()
      for (let i = 0; i < paths.length; i++) map.set(paths[i], i)
      this.map = map
    }
    return this.map
  }

  /**
   * The entries of an index file, read in place (layout in index-file.ts).
   * With `pathsChecked` (the lstat helper found `count` paths in these same
   * bytes), the paths become strings only when asked for: status of an
   * unchanged tree never asks.
   */
  static decode (buf: Buffer, l: IndexLayout, pathsChecked = false): EntryTable {
    const t = new EntryTable()
    t.buf = buf
    ;({ numbers: t.numbers, kinds: t.kinds } = indexColumns(buf, l))
    t.cidStart = l.cidStart
    const strings = pathsChecked ? undefined : indexPaths(buf, l)
    if (!pathsChecked && strings === undefined) throw new Error('damaged index')
    t.map = undefined
    t.decoded = { count: l.count, bytes: buf.subarray(l.pathsAt, l.end), strings }
    return t
  }

  /** The entry columns (index-file.ts encodeIndexFile puts them in a file). */
  encode (): IndexColumns {
    const count = this.rows.size
    const numbers = new Float64Array(count * ROW_NUMBERS)
    const kinds = Buffer.alloc(count)
    // every CID, length-prefixed, in one buffer (grown if the guess is short)
    let cids = Buffer.allocUnsafe(count * 40 + 64)
    let at = 0
    const room = (n: number): void => {
      if (at + n <= cids.byteLength) return
      const more = Buffer.allocUnsafe(Math.max(cids.byteLength * 2, at + n))
      cids.copy(more, 0, 0, at)
      cids = more
    }
    const paths = new Array<string>(count)
    // rows still as read, one after another, are copied as one range of each column
    let runFrom = 0 // first source row of the run
    let runTo = 0 // one past its last
    let runAt = 0 // where the run goes
    const flush = (): void => {
      if (runTo === runFrom) return
      numbers.set(this.numbers.subarray(runFrom * ROW_NUMBERS, runTo * ROW_NUMBERS), runAt * ROW_NUMBERS)
      kinds.set(this.kinds.subarray(runFrom, runTo), runAt)
      const a = this.cidStart[runFrom]
      const last = this.cidStart[runTo - 1]
      const b = last + 1 + this.buf[last]
      room(b - a)
      this.buf.copy(cids, at, a, b)
      at += b - a
      runFrom = runTo = 0
    }
    let i = 0
    for (const [p, v] of this.rows) {
      paths[i] = p
      if (typeof v === 'number') {
        if (runTo !== runFrom && v === runTo) {
          runTo++
        } else {
          flush()
          runFrom = v
          runTo = v + 1
          runAt = i
        }
      } else {
        flush()
        const w = i * ROW_NUMBERS
        kinds[i] = KINDS.indexOf(v.kind)
        numbers[w] = v.size
        numbers[w + 1] = v.mtimeMs
        numbers[w + 2] = v.ctimeMs
        numbers[w + 3] = v.ino
        numbers[w + 4] = v.tsize
        const bytes = CID.parse(v.cid).bytes
        room(1 + bytes.byteLength)
        cids[at] = bytes.byteLength
        cids.set(bytes, at + 1)
        at += 1 + bytes.byteLength
      }
      i++
    }
    flush()
    return { count, numbers, kinds, cids: cids.subarray(0, at), paths: Buffer.from(paths.join('\0'), 'utf8') }
  }

  get size (): number { return this.map === undefined ? this.decoded!.count : this.map.size }
  has (p: string): boolean { return this.rows.has(p) }
  keys (): IterableIterator<string> { return this.rows.keys() }
  set (p: string, e: IndexEntry): this {
    this.touched = true
    if (this.decoded !== undefined && !this.rows.has(p)) this.decoded = undefined
    this.rows.set(p, e)
    return this
  }

  delete (p: string): boolean {
    this.decoded = undefined
    return this.rows.delete(p)
  }

  /** Whether the paths are still those decoded, in that order. */
  isAsRead (): boolean { return this.decoded !== undefined }

  /** Every path, in the order of iteration (and of `rows`). */
  paths (): string[] {
    const d = this.decoded
    if (d === undefined) return [...this.rows.keys()]
    if (d.strings === undefined) {
      const strings = d.count === 0 ? [] : Buffer.from(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength).toString('utf8').split('\0')
      if (strings.length !== d.count) throw new Error('damaged index')
      d.strings = strings
    }
    return d.strings
  }

  /** The same paths as UTF-8, NUL-separated (for a worker thread). */
  pathBytes (): Uint8Array { return this.decoded?.bytes ?? Buffer.from(this.paths().join('\0'), 'utf8') }

  /** What compareRow takes for the path `p` at position `i` of paths(), found without a lookup while it can be. */
  rowAt (i: number, p: string): number | IndexEntry | undefined { return this.map === undefined ? i : this.map.get(p) }

  get (p: string): IndexEntry | undefined {
    const v = this.rows.get(p)
    if (typeof v !== 'number') return v
    const n = this.numbers
    const b = v * ROW_NUMBERS
    const s = this.cidStart[v]
    const cid = cidText(CID.decode(this.buf.subarray(s + 1, s + 1 + this.buf[s])))
    const e: IndexEntry = { kind: KINDS[this.kinds[v]], cid, tsize: n[b + 4], size: n[b], mtimeMs: n[b + 1], ctimeMs: n[b + 2], ino: n[b + 3] }
    this.rows.set(p, e)
    return e
  }

  /**
   * The tree entry for `p`: for a row as read, its CID straight from the
   * index's bytes (no text made and parsed again, and the row stays a row,
   * which encode copies as it is).
   */
  treeEntry (p: string): Entry | undefined {
    const v = this.rows.get(p)
    if (v === undefined) return undefined
    if (typeof v !== 'number') return entryOf(v)
    const s = this.cidStart[v]
    return { cid: CID.decode(this.buf.subarray(s + 1, s + 1 + this.buf[s])), tsize: this.numbers[v * ROW_NUMBERS + 4], kind: KINDS[this.kinds[v]] as Kind }
  }

  /** Whether the file whose stat numbers are at `stats[b..]` (lstat.ts layout) is what the row (rowAt) recorded. */
  compareRow (v: number | IndexEntry, kind: FileKind, stats: Float64Array, b: number): 1 | 2 {
    if (typeof v !== 'number') {
      return v.size >= 0 && v.kind === kind && v.size === stats[b + 2] && v.mtimeMs === stats[b + 3] && v.ctimeMs === stats[b + 4] && v.ino === stats[b + 5] ? MATCH : DIFFERS
    }
    return rowMatches(this.numbers, this.kinds, v, stats, b) ? MATCH : DIFFERS
  }

  /** The numbers and kinds columns as read, while no entry was replaced, added or removed (what helper threads compare with). */
  columnsAsRead (): { numbers: Float64Array, kinds: Uint8Array } | undefined {
    return this.decoded !== undefined && !this.touched ? { numbers: this.numbers, kinds: this.kinds } : undefined
  }

  * [Symbol.iterator] (): IterableIterator<[string, IndexEntry]> {
    for (const p of this.rows.keys()) yield [p, this.get(p)!]
  }
}

export class StatCache {
  entries: EntryTable
  /** true when read from .acache/index; false when rebuilt from the tree (then worth saving) */
  fromDisk = false
  /** what the last walk of the working root found, for this tree (see scan.ts) */
  walk?: WalkRecord
  /** which index file it was read from (fileId), when it was */
  file?: string

  /**
   * The commit whose tree `tree` is, when known (a fact of the commit, so it
   * holds for as long as `tree` does): the index then tells the next command
   * HEAD's tree without reading HEAD (forHead).
   */
  commit?: string

  constructor (
    /** the tree these entries describe */
    readonly tree: CID | undefined,
    entries: EntryTable | Map<string, IndexEntry>,
    public dirs: Map<string, Node>
  ) {
    this.entries = entries instanceof EntryTable ? entries : new EntryTable(entries)
  }

  static empty (): StatCache { return new StatCache(undefined, new Map(), new Map()) }

  /**
   * The cache for `tree` (HEAD's): read from disk when it describes that tree,
   * rebuilt from the tree (with no stat data) when it does not, as after a
   * process was killed between moving a ref and writing the index.
   */
  static async load (repo: Repo, tree: CID | undefined): Promise<StatCache> {
    if (tree === undefined) return StatCache.empty()
    const onDisk = StatCache.read(repo)
    if (onDisk !== undefined && onDisk.tree?.equals(tree) === true) return onDisk
    return await StatCache.fromTree(repo, tree)
  }

  /**
   * The cache for HEAD (`head`) and HEAD's tree: the tree as the index
   * records it for that commit, else as the commit says (read from the store).
   */
  static async forHead (repo: Repo, head: CID | undefined): Promise<{ cache: StatCache, headTree: CID | undefined }> {
    if (head === undefined) return { cache: StatCache.empty(), headTree: undefined }
    const key = head.toString()
    const onDisk = StatCache.read(repo)
    if (onDisk?.tree !== undefined && onDisk.commit === key) return { cache: onDisk, headTree: onDisk.tree }
    const headTree = (await repo.readCommit(head)).tree
    const cache = onDisk?.tree?.equals(headTree) === true ? onDisk : await StatCache.fromTree(repo, headTree)
    cache.commit = key
    return { cache, headTree }
  }

  static async fromTree (repo: Repo, tree: CID): Promise<StatCache> {
    const { files, dirs } = await flattenTree(repo.store, tree)
    const entries = new Map<string, IndexEntry>()
    for (const [p, e] of files) entries.set(p, unstatted(e))
    return new StatCache(tree, entries, dirs)
  }

  /** Format (index-file.ts): magic, version, header length, entry count, header JSON (tree, commit, dirs, walk), entry columns, CRC-32. */
  static read (repo: Repo): StatCache | undefined {
    let buf: Buffer
    let file: string
    let checked = false
    try {
      // the lstat helper's copy when it read this same file (preload.ts), else the file
      const preloaded = preloadedIndex(repo.layout.index)
      checked = preloaded !== undefined
      ;({ buf, id: file } = preloaded ?? readIndexFile(repo.layout.index))
    } catch {
      return undefined
    }
    try {
      const layout = indexLayout(buf)
      if (layout === undefined) return undefined
      const header = JSON.parse(layout.header)
      const entries = EntryTable.decode(buf, layout, checked)
      const dirs = new Map<string, Node>()
      for (const [p, cid, tsize] of header.dirs) dirs.set(p, lazyNode(cid, tsize))
      const cache = new StatCache(header.tree == null ? undefined : CID.parse(header.tree), entries, dirs)
      cache.fromDisk = true
      cache.file = file
      if (typeof header.commit === 'string' && cache.tree !== undefined) cache.commit = header.commit
      // a walk is only good for the tree it was made against (what is tracked decides what is new)
      if (isWalkRecord(header.walk) && header.walk.tree === header.tree) cache.walk = header.walk
      return cache
    } catch {
      return undefined // a damaged cache is rebuilt, never trusted
    }
  }

  save (repo: Repo): void {
    const dirs: unknown[] = []
    for (const [p, n] of this.dirs) dirs.push([p, n.cid.toString(), n.tsize])
    const header = JSON.stringify({ tree: this.tree?.toString() ?? null, commit: this.commit, dirs, walk: this.walk })
    // not fsync'd (git does not sync its index either): a cache; one a crash tore fails its CRC and is rebuilt from the tree
    writeFileAtomic(repo.layout.index, encodeIndexFile(header, this.entries.encode()), { fsync: false })
  }

}

/** A directory node whose CID is parsed when first asked for (status never asks, and parsing a thousand takes ~8 ms). */
function lazyNode (text: string, tsize: number): Node {
  let cid: CID | undefined
  return { get cid () { return (cid ??= CID.parse(text)) }, tsize }
}

export function unstatted (e: Entry): IndexEntry {
  return { kind: e.kind as FileKind, cid: cidText(e.cid), tsize: e.tsize, size: -1, mtimeMs: 0, ctimeMs: 0, ino: 0 }
}

/** An entry for content just read from a file whose stat (taken before reading) is `st`. */
export function statted (kind: FileKind, cid: CID | string, tsize: number, st: FileStat, now = Date.now()): IndexEntry {
  const racy = now - st.mtimeMs < RACY_MS
  return {
    kind,
    cid: typeof cid === 'string' ? cid : cidText(cid),
    tsize,
    size: racy ? -1 : st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ino: st.ino
  }
}

export function entryOf (e: IndexEntry): Entry {
  return { cid: cidFromText(e.cid), tsize: e.tsize, kind: e.kind as Kind }
}
