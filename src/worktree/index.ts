import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { writeFileAtomic } from '../util/fs.js'
import { Entry, flattenTree, Kind, Node } from '../model/tree.js'
import { FileKind, FileStat } from './scan.js'

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
export const RACY_MS = 1000

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

const MAGIC = 0x41434958 // "ACIX"
const INDEX_VERSION = 3
const KINDS: FileKind[] = ['file', 'exec', 'symlink']
const ROW_NUMBERS = 5 // size, mtimeMs, ctimeMs, ino, tsize
export const UNTRACKED = 0
export const MATCH = 1
export const DIFFERS = 2

/**
 * The entries of a stat cache. Read from disk they stay in the columns they
 * were read into (numbers in a Float64Array, paths as strings, CIDs as byte
 * ranges) and become objects only when asked for, so `status` on 100,000
 * unchanged files allocates almost nothing per file.
 */
export class EntryTable implements Iterable<[string, IndexEntry]> {
  private readonly rows: Map<string, number | IndexEntry>
  private numbers: Float64Array<ArrayBufferLike> = new Float64Array(0)
  private kinds: Uint8Array<ArrayBufferLike> = new Uint8Array(0)
  private cidStart = new Uint32Array(0)
  private buf: Buffer = Buffer.alloc(0)

  constructor (from?: Iterable<[string, IndexEntry]>) {
    this.rows = new Map(from)
  }

  /**
   * Columns, so that reading needs no per-entry parsing: numbers (8-aligned
   * f64 x5 per entry), kinds (u8), CIDs (u8 length + bytes), then all paths
   * as one NUL-separated UTF-8 string.
   */
  static decode (buf: Buffer, offset: number, count: number): EntryTable {
    const t = new EntryTable()
    t.buf = buf
    let o = offset
    const nbytes = count * ROW_NUMBERS * 8
    t.numbers = (buf.byteOffset + o) % 8 === 0
      ? new Float64Array(buf.buffer, buf.byteOffset + o, count * ROW_NUMBERS)
      : new Float64Array(Uint8Array.prototype.slice.call(buf, o, o + nbytes).buffer)
    o += nbytes
    t.kinds = buf.subarray(o, o + count); o += count
    t.cidStart = new Uint32Array(count)
    for (let i = 0; i < count; i++) { t.cidStart[i] = o; o += 1 + buf[o] }
    const paths = count === 0 ? [] : buf.toString('utf8', o).split('\0')
    if (paths.length !== count) throw new Error('damaged index')
    for (let i = 0; i < count; i++) t.rows.set(paths[i], i)
    return t
  }

  encode (offset: number): Buffer[] {
    const count = this.rows.size
    const pad = Buffer.alloc((8 - (offset % 8)) % 8)
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
    let i = 0
    for (const [p, v] of this.rows) {
      paths[i] = p
      const w = i * ROW_NUMBERS
      if (typeof v === 'number') {
        kinds[i] = this.kinds[v]
        const r = v * ROW_NUMBERS
        for (let k = 0; k < ROW_NUMBERS; k++) numbers[w + k] = this.numbers[r + k]
        const s = this.cidStart[v]
        const len = 1 + this.buf[s]
        room(len)
        this.buf.copy(cids, at, s, s + len)
        at += len
      } else {
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
    return [pad, Buffer.from(numbers.buffer), kinds, cids.subarray(0, at), Buffer.from(paths.join('\0'), 'utf8')]
  }

  get size (): number { return this.rows.size }
  has (p: string): boolean { return this.rows.has(p) }
  keys (): IterableIterator<string> { return this.rows.keys() }
  set (p: string, e: IndexEntry): this { this.rows.set(p, e); return this }
  delete (p: string): boolean { return this.rows.delete(p) }

  get (p: string): IndexEntry | undefined {
    const v = this.rows.get(p)
    if (typeof v !== 'number') return v
    const n = this.numbers
    const b = v * ROW_NUMBERS
    const s = this.cidStart[v]
    const cid = CID.decode(this.buf.subarray(s + 1, s + 1 + this.buf[s])).toString()
    const e: IndexEntry = { kind: KINDS[this.kinds[v]], cid, tsize: n[b + 4], size: n[b], mtimeMs: n[b + 1], ctimeMs: n[b + 2], ino: n[b + 3] }
    this.rows.set(p, e)
    return e
  }

  /**
   * Whether the file at `p`, whose stat numbers are at `stats[b..]` (lstat.ts
   * layout), is what the entry recorded: UNTRACKED, MATCH or DIFFERS.
   * Makes no object of the entry.
   */
  compareStat (p: string, kind: FileKind, stats: Float64Array, b: number): 0 | 1 | 2 {
    const v = this.rows.get(p)
    if (v === undefined) return UNTRACKED
    if (typeof v !== 'number') {
      return v.size >= 0 && v.kind === kind && v.size === stats[b + 2] && v.mtimeMs === stats[b + 3] && v.ctimeMs === stats[b + 4] && v.ino === stats[b + 5] ? MATCH : DIFFERS
    }
    const n = this.numbers
    const r = v * ROW_NUMBERS
    return n[r] >= 0 && KINDS[this.kinds[v]] === kind && n[r] === stats[b + 2] && n[r + 1] === stats[b + 3] && n[r + 2] === stats[b + 4] && n[r + 3] === stats[b + 5] ? MATCH : DIFFERS
  }

  * [Symbol.iterator] (): IterableIterator<[string, IndexEntry]> {
    for (const p of this.rows.keys()) yield [p, this.get(p)!]
  }
}

export class StatCache {
  entries: EntryTable
  /** true when read from .acache/index; false when rebuilt from the tree (then worth saving) */
  fromDisk = false

  constructor (
    /** the tree these entries describe */
    public tree: CID | undefined,
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

  static async fromTree (repo: Repo, tree: CID): Promise<StatCache> {
    const { files, dirs } = await flattenTree(repo.store, tree)
    const entries = new Map<string, IndexEntry>()
    for (const [p, e] of files) entries.set(p, unstatted(e))
    return new StatCache(tree, entries, dirs)
  }

  /** Format: magic, version, header length, entry count, header JSON (tree, dirs), entry columns. */
  static read (repo: Repo): StatCache | undefined {
    let buf: Buffer
    try { buf = fs.readFileSync(repo.path('index')) } catch { return undefined }
    try {
      if (buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== INDEX_VERSION) return undefined
      const hlen = buf.readUInt32LE(8)
      const count = buf.readUInt32LE(12)
      const header = JSON.parse(buf.toString('utf8', 16, 16 + hlen))
      const start = 16 + hlen
      const entries = EntryTable.decode(buf, start + (8 - (start % 8)) % 8, count)
      const dirs = new Map<string, Node>()
      for (const [p, cid, tsize] of header.dirs) dirs.set(p, { cid: CID.parse(cid), tsize })
      const cache = new StatCache(header.tree == null ? undefined : CID.parse(header.tree), entries, dirs)
      cache.fromDisk = true
      return cache
    } catch {
      return undefined // a damaged cache is rebuilt, never trusted
    }
  }

  save (repo: Repo): void {
    const dirs: unknown[] = []
    for (const [p, n] of this.dirs) dirs.push([p, n.cid.toString(), n.tsize])
    const header = Buffer.from(JSON.stringify({ tree: this.tree?.toString() ?? null, dirs }), 'utf8')
    const head = Buffer.alloc(16)
    head.writeUInt32LE(MAGIC, 0)
    head.writeUInt32LE(INDEX_VERSION, 4)
    head.writeUInt32LE(header.byteLength, 8)
    head.writeUInt32LE(this.entries.size, 12)
    writeFileAtomic(repo.path('index'), [head, header, ...this.entries.encode(16 + header.byteLength)])
  }

}

export function unstatted (e: Entry): IndexEntry {
  return { kind: e.kind as FileKind, cid: e.cid.toString(), tsize: e.tsize, size: -1, mtimeMs: 0, ctimeMs: 0, ino: 0 }
}

/** An entry for content just read from a file whose stat (taken before reading) is `st`. */
export function statted (kind: FileKind, cid: CID | string, tsize: number, st: FileStat, now = Date.now()): IndexEntry {
  const racy = now - st.mtimeMs < RACY_MS
  return {
    kind,
    cid: cid.toString(),
    tsize,
    size: racy ? -1 : st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ino: st.ino
  }
}

export function entryOf (e: IndexEntry): Entry {
  return { cid: CID.parse(e.cid), tsize: e.tsize, kind: e.kind as Kind }
}
