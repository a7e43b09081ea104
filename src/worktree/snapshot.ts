import { readSparse, withinSparse } from '../repo/sparse.js'
import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { BlockStore, nullStore } from '../store/blockstore.js'
import { sameContentOnDisk, storeFileFromDisk } from '../model/file.js'
import { buildTree, Node, symlinkBlock } from '../model/tree.js'
import { FileKind, FileStat, scanWorktree, statAt } from './scan.js'
import { WalkRecord } from './status/walk-record.js'
import { STAT_FIELDS } from './status/lstat.js'
import { chunkerOf } from './attributes.js'
import { ChunkerName } from '../model/chunker.js'
import { IndexEntry, StatCache, statted, MATCH } from './status/stat-cache.js'
import { ancestors } from './paths.js'

export type ChangeKind = 'added' | 'modified' | 'deleted'

export interface Change { path: string, change: ChangeKind, kind?: FileKind, oldKind?: FileKind }

export interface Comparison {
  /** changes of the working root against the cache's tree, sorted by path */
  changes: Change[]
  /** entries for the files that were read (new, changed, or re-checked) */
  current: Map<string, IndexEntry>
  /** what is at a path now: a fresh entry, the cache's when unchanged, undefined when gone (or added and not read) */
  lookup: (p: string) => IndexEntry | undefined
  /** every file present now (within `paths`) */
  present: string[]
  /** entries that were re-read, found unchanged, and now have fresh stat data */
  refreshed: number
  /** bytes read from files to hash them */
  bytesHashed: number
  /** the new files found (not tracked, not ignored), whether or not they were read */
  untracked: string[]
  /** the record of this walk (see scan.ts), and whether it differs from the cache's */
  walk: WalkRecord
  walkChanged: boolean
}


export interface CompareOptions {
  /** when given, the content of new and changed files is stored here */
  store?: BlockStore
  /** when false (status), added files are listed without being read */
  hashAdded?: boolean
  /** limit to these paths (a file, or a directory and what is under it) */
  paths?: string[]
  onFile?: (path: string, bytes: number) => void
}

export function underPaths (p: string, paths: string[] | undefined): boolean {
  if (paths === undefined) return true
  for (const q of paths) {
    if (q === '' || p === q || p.startsWith(q + '/')) return true
  }
  return false
}

/** Computes the CID of a working-root file as it is now, storing its content when a store is given. */
export async function hashWorkFile (repo: Repo, p: string, kind: FileKind, st: FileStat, store: BlockStore, onBytes?: (n: number) => void, chunker: ChunkerName = 'fixed'): Promise<{ cid: CID, tsize: number }> {
  const abs = path.join(repo.worktree, p)
  if (kind === 'symlink') {
    const { cid, bytes } = await symlinkBlock(fs.readlinkSync(abs))
    await store.put(cid, bytes)
    return { cid, tsize: bytes.byteLength }
  }
  return await storeFileFromDisk(store, abs, kind === 'exec', st.size, onBytes, chunker)
}

/** Whether a working file holds the bytes of a recorded CID; false when the recorded blocks are not here (nothing is fetched for it). */
async function sameAsRecorded (repo: Repo, cid: string, p: string, size: number): Promise<boolean> {
  try {
    return await sameContentOnDisk(repo.store.offline(), CID.parse(cid), path.join(repo.worktree, p), size)
  } catch {
    return false
  }
}

/** Compares the working root with the stat cache, reading only files whose stat changed. */
export async function compareWorktree (repo: Repo, cache: StatCache, opts: CompareOptions = {}): Promise<Comparison> {
  // a sparse checkout compares only what it holds: the rest is as the commit has it
  opts = { ...opts, paths: withinSparse(opts.paths, readSparse(repo.layout)) }
  const scan = scanWorktree(repo.worktree, {
    entries: cache.entries,
    trackedDirs: cache.dirs,
    tree: cache.tree?.toString() ?? '',
    privateDirs: repo.privateDirs,
    last: cache.walk,
    // the paths are the ones read from that file only while no entry was added or removed
    file: cache.entries.isAsRead() ? cache.file : undefined
  })
  const store = opts.store ?? nullStore // no store: compute CIDs only
  const chunker = chunkerOf(repo.worktree)
  const hashAdded = opts.hashAdded ?? opts.store !== undefined
  const changes: Change[] = []
  const current = new Map<string, IndexEntry>()
  let refreshed = 0
  let bytesHashed = 0
  const { stats } = scan
  const same = scan.same
  // tracked files that turned out gone while being read
  const vanished = new Set<number>()
  const kindAt = (i: number): FileKind | undefined => vanished.has(i) ? undefined : scan.kindAt(i)
  const deleted = (i: number): void => { const p = scan.paths[i]; changes.push({ path: p, change: 'deleted', oldKind: cache.entries.get(p)!.kind }) }
  for (let i = 0; i < scan.count; i++) {
    // found as the index has it (marked while lstat-ing): unchanged
    if (same !== undefined && i < scan.tracked && same[i] === 1) continue
    const kind = scan.kindAt(i)
    const p = scan.paths[i]
    if (!underPaths(p, opts.paths)) continue
    if (kind === undefined) {
      if (i < scan.tracked) deleted(i)
      continue
    }
    const row = i < scan.tracked ? cache.entries.rowAt(i, p) : undefined
    if (row !== undefined && cache.entries.compareRow(row, kind, stats, i * STAT_FIELDS) === MATCH) continue
    if (row === undefined && !hashAdded) {
      changes.push({ path: p, change: 'added', kind })
      continue
    }
    const old = row === undefined ? undefined : cache.entries.get(p)
    const stat = statAt(scan, i)
    const now = Date.now()
    let n: { cid: CID, tsize: number }
    try {
      n = await hashWorkFile(repo, p, kind, stat, store, (b) => { bytesHashed += b; opts.onFile?.(p, b) }, chunker)
    } catch (err) {
      // Deleted or replaced while we looked: report what we can see now.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        vanished.add(i)
        if (i < scan.tracked) deleted(i)
        continue
      }
      throw err
    }
    let entry = statted(kind, n.cid, n.tsize, stat, now)
    // other CID, same bytes: chunked another way (.acacheattributes' chunker changed since); unchanged all the same
    if (old !== undefined && old.cid !== entry.cid && old.kind === kind && kind !== 'symlink' && await sameAsRecorded(repo, old.cid, p, stat.size)) {
      entry = statted(kind, CID.parse(old.cid), old.tsize, stat, now)
    }
    current.set(p, entry)
    if (old === undefined) {
      changes.push({ path: p, change: 'added', kind })
    } else if (old.cid !== entry.cid || old.kind !== kind) {
      changes.push({ path: p, change: 'modified', kind, oldKind: old.kind })
    } else {
      refreshed++
    }
  }
  let present: Set<string> | undefined
  const presentSet = (): Set<string> => {
    present ??= new Set(scan.paths.filter((p, i) => underPaths(p, opts.paths) && kindAt(i) !== undefined))
    return present
  }
  changes.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  return {
    changes,
    current,
    refreshed,
    bytesHashed,
    get untracked () { return scan.paths.filter((p, i) => i >= scan.tracked && kindAt(i) !== undefined) },
    walk: scan.walk,
    walkChanged: scan.walkChanged,
    lookup: (p) => current.get(p) ?? (presentSet().has(p) ? cache.entries.get(p) : undefined),
    get present () { return [...presentSet()] }
  }
}

/**
 * The tree of the working root as compared (HEAD's entries outside the
 * compared paths, the working root's inside), stored; unchanged
 * directories are taken whole. `cache` is changed in place (not used again).
 */
export async function worktreeTree (repo: Repo, cache: StatCache, cmp: Awaited<ReturnType<typeof compareWorktree>>): Promise<{ root: Node, dirs: Map<string, Node>, next: StatCache['entries'] }> {
  const next = cache.entries
  for (const c of cmp.changes) if (c.change === 'deleted') next.delete(c.path)
  for (const [p, e] of cmp.current) next.set(p, e)
  const files = { keys: () => next.keys(), get: (p: string) => next.treeEntry(p) }
  const reuse = new Map<string, Node>(cache.dirs)
  for (const c of cmp.changes) for (const a of ancestors(c.path)) reuse.delete(a)
  reuse.delete('')
  const { root, dirs } = await buildTree(repo.store, files, reuse)
  return { root, dirs, next }
}
