import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { BlockStore } from '../store/blockstore.js'
import { storeFileFromDisk } from '../model/file.js'
import { symlinkBlock } from '../model/tree.js'
import { FileKind, scanWorktree } from './scan.js'
import { IndexEntry, StatCache, statted } from './index.js'

export type ChangeKind = 'added' | 'modified' | 'deleted'

export interface Change { path: string, change: ChangeKind, kind?: FileKind, oldKind?: FileKind }

export interface Comparison {
  /** changes of the working root against the cache's tree, sorted by path */
  changes: Change[]
  /** an entry for every current file whose CID is known (all of them when storing) */
  current: Map<string, IndexEntry>
  /** entries that were re-read, found unchanged, and now have fresh stat data */
  refreshed: number
  /** bytes read from files to hash them */
  bytesHashed: number
}

/** A store that keeps nothing: for computing CIDs only. */
export const hashOnly: BlockStore = {
  get: async () => { throw new Error('hash-only store holds nothing') },
  put: async () => {},
  has: async () => false,
  delete: async () => {},
  keys: async function * () {},
  size: async () => undefined
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
export async function hashWorkFile (repo: Repo, p: string, kind: FileKind, st: fs.Stats, store: BlockStore, onBytes?: (n: number) => void): Promise<{ cid: CID, tsize: number }> {
  const abs = path.join(repo.worktree, p)
  if (kind === 'symlink') {
    const { cid, bytes } = symlinkBlock(fs.readlinkSync(abs))
    await store.put(cid, bytes)
    return { cid, tsize: bytes.byteLength }
  }
  return await storeFileFromDisk(store, abs, kind === 'exec', st.size, onBytes)
}

/** Compares the working root with the stat cache, reading only files whose stat changed. */
export async function compareWorktree (repo: Repo, cache: StatCache, opts: CompareOptions = {}): Promise<Comparison> {
  const scanned = scanWorktree(repo.worktree, (p, isDir) => isDir ? cache.dirs.has(p) : cache.entries.has(p), repo.privateDirs)
  const store = opts.store ?? hashOnly
  const hashAdded = opts.hashAdded ?? opts.store !== undefined
  const changes: Change[] = []
  const current = new Map<string, IndexEntry>()
  let refreshed = 0
  let bytesHashed = 0
  for (const [p, { kind, stat }] of scanned) {
    if (!underPaths(p, opts.paths)) continue
    const old = cache.entries.get(p)
    if (old !== undefined && StatCache.statMatches(old, kind, stat)) {
      current.set(p, old)
      continue
    }
    if (old === undefined && !hashAdded) {
      changes.push({ path: p, change: 'added', kind })
      continue
    }
    const now = Date.now()
    let n: { cid: CID, tsize: number }
    try {
      n = await hashWorkFile(repo, p, kind, stat, store, (b) => { bytesHashed += b; opts.onFile?.(p, b) })
    } catch (err) {
      // Deleted or replaced while we looked: report what we can see now.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    const entry = statted(kind, n.cid, n.tsize, stat, now)
    current.set(p, entry)
    if (old === undefined) {
      changes.push({ path: p, change: 'added', kind })
    } else if (old.cid !== entry.cid || old.kind !== kind) {
      changes.push({ path: p, change: 'modified', kind, oldKind: old.kind })
    } else {
      refreshed++
    }
  }
  for (const [p, e] of cache.entries) {
    if (!underPaths(p, opts.paths)) continue
    if (!scanned.has(p)) changes.push({ path: p, change: 'deleted', oldKind: e.kind })
  }
  changes.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  return { changes, current, refreshed, bytesHashed }
}
