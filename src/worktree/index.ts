import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { writeFileAtomic } from '../util/fs.js'
import { Entry, flattenTree, Kind, Node } from '../model/tree.js'
import { FileKind } from './scan.js'

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

const INDEX_VERSION = 1

export class StatCache {
  constructor (
    /** the tree these entries describe */
    public tree: CID | undefined,
    public entries: Map<string, IndexEntry>,
    public dirs: Map<string, Node>
  ) {}

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

  static read (repo: Repo): StatCache | undefined {
    let text: string
    try { text = fs.readFileSync(repo.path('index'), 'utf8') } catch { return undefined }
    try {
      const obj = JSON.parse(text)
      if (obj.version !== INDEX_VERSION) return undefined
      const entries = new Map<string, IndexEntry>()
      for (const [p, kind, cid, tsize, size, mtimeMs, ctimeMs, ino] of obj.entries) {
        entries.set(p, { kind, cid, tsize, size, mtimeMs, ctimeMs, ino })
      }
      const dirs = new Map<string, Node>()
      for (const [p, cid, tsize] of obj.dirs) dirs.set(p, { cid: CID.parse(cid), tsize })
      return new StatCache(obj.tree == null ? undefined : CID.parse(obj.tree), entries, dirs)
    } catch {
      return undefined // a damaged cache is rebuilt, never trusted
    }
  }

  save (repo: Repo): void {
    const entries: unknown[] = []
    for (const [p, e] of this.entries) entries.push([p, e.kind, e.cid, e.tsize, e.size, e.mtimeMs, e.ctimeMs, e.ino])
    const dirs: unknown[] = []
    for (const [p, n] of this.dirs) dirs.push([p, n.cid.toString(), n.tsize])
    const body = JSON.stringify({ version: INDEX_VERSION, tree: this.tree?.toString() ?? null, entries, dirs })
    writeFileAtomic(repo.path('index'), body)
  }

  /** True when the file's stat says it is what the entry recorded. */
  static statMatches (e: IndexEntry, kind: FileKind, st: fs.Stats): boolean {
    return e.size >= 0 && e.kind === kind && e.size === st.size && e.mtimeMs === st.mtimeMs &&
      e.ctimeMs === st.ctimeMs && e.ino === st.ino
  }
}

export function unstatted (e: Entry): IndexEntry {
  return { kind: e.kind as FileKind, cid: e.cid.toString(), tsize: e.tsize, size: -1, mtimeMs: 0, ctimeMs: 0, ino: 0 }
}

/** An entry for content just read from a file whose stat (taken before reading) is `st`. */
export function statted (kind: FileKind, cid: CID | string, tsize: number, st: fs.Stats, now = Date.now()): IndexEntry {
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

export function absPath (repo: Repo, p: string): string {
  return path.join(repo.worktree, p)
}
