import { readSparse, writeSparse, inSparse } from '../repo/sparse.js'
import { trace } from '../util/trace.js'
import fs from 'node:fs'
import path from 'node:path'
import { Repo } from '../repo/repo.js'
import { Entry, readSymlink, RAW } from '../model/tree.js'
import { readFileParts, storedFileSize } from '../model/file.js'
import { BlockStore } from '../store/blockstore.js'
import { shareRange } from '../util/reflink.js'
import { fail, asAcacheError } from '../errors.js'
import { ancestors } from './paths.js'
import { CID } from 'multiformats/cid'
import { StatCache, IndexEntry, statted, unstatted } from './status/stat-cache.js'
import { Change, compareWorktree } from './snapshot.js'
import { FileKind, FileStat } from './scan.js'
import { diffTrees, TreeChange } from '../model/treediff.js'
import { flattenTree } from '../model/tree.js'

let tmpSeq = 0

/**
 * Makes sure every directory above `p` is a real directory inside the working
 * root, never a symlink (git's symlink attacks: a tree that makes `a` a link
 * to /etc and then writes `a/passwd`). A symlink or file in the way is
 * removed only when `replaceable` says it may be.
 */
export function ensureParents (repo: Repo, p: string, replaceable: (p: string) => boolean, known?: Set<string>): void {
  const dirs = ancestors(p).filter(a => a !== '').reverse()
  for (const d of dirs) {
    if (known?.has(d) === true) continue
    known?.add(d)
    const abs = path.join(repo.worktree, d)
    const st = fs.lstatSync(abs, { throwIfNoEntry: false })
    if (st?.isDirectory() === true) continue
    if (st !== undefined) {
      if (!replaceable(d)) fail('BAD_PATH', `refusing to write ${p}: ${d} is ${st.isSymbolicLink() ? 'a symlink' : 'a file'}, not a directory`)
      fs.rmSync(abs, { force: true })
    }
    fs.mkdirSync(abs)
  }
}

/** From this size on, a file to check out is checked against the free space first. */
const BIG_FILE = 64 * 1024 * 1024

/** Writes an entry's content to a temporary file under .acache/tmp (same file system as the working root). */
async function stageEntry (repo: Repo, e: Entry): Promise<string> {
  const dir = repo.layout.tmp
  const tmp = path.join(dir, `checkout-${process.pid}-${tmpSeq++}`)
  try {
    if (e.kind === 'symlink') {
      fs.symlinkSync(await readSymlink(repo.store, e.cid), tmp)
    } else if ((e.kind === 'file' || e.kind === 'exec') && e.cid.code === RAW) {
      // a file of one raw block (every small file): its bytes, read and checked once, written at once (or its extents shared)
      const bytes = await repo.store.get(e.cid)
      const fd = fs.openSync(tmp, 'w', e.kind === 'exec' ? 0o755 : 0o644)
      try { writeLeaf(repo.store, fd, bytes.byteLength < SHARE_MIN ? -1 : fs.fstatSync(fd).dev, bytes, e.cid, 0) } finally { fs.closeSync(fd) }
    } else if (e.kind === 'file' || e.kind === 'exec') {
      // a small DAG may claim a huge file (one block linked again and again): what it declares must fit before a byte is written
      const size = await storedFileSize(repo.store, e.cid)
      if (size > BIG_FILE) {
        const st = fs.statfsSync(dir)
        const free = st.bavail * st.bsize
        if (size > free) fail('NO_SPACE', `${e.cid} declares ${size} bytes, more than the ${free} bytes free where the working root is`, { data: { cid: e.cid.toString(), size, free } })
      }
      await writeStoredFile(repo.store, e.cid, tmp, e.kind === 'exec' ? 0o755 : 0o644)
    } else {
      fail('BUG', `cannot check out a ${e.kind}`)
    }
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw asAcacheError(err)
  }
  return tmp
}

/**
 * Writes a stored file's bytes to `file`. Each leaf is read and checked
 * against its CID as always; where the store keeps it as a file of its own
 * and the file system can, its extents are shared rather than its bytes
 * written (reflink: util/reflink.ts), so the checkout costs no second copy.
 */
async function writeStoredFile (store: BlockStore, cid: CID, file: string, mode: number): Promise<void> {
  const fd = fs.openSync(file, 'w', mode)
  try {
    const dev = fs.fstatSync(fd).dev
    let at = 0
    for await (const part of readFileParts(store, cid)) {
      writeLeaf(store, fd, dev, part.bytes, part.leaf, at)
      at += part.bytes.byteLength
    }
  } finally {
    fs.closeSync(fd)
  }
}

/** `bytes` (the whole block `leaf`, when given) at `at` of `fd` (on device `dev`, asked for only for blocks of SHARE_MIN or more): shared from the block's own file where it can be, else written. */
function writeLeaf (store: BlockStore, fd: number, dev: number, bytes: Uint8Array, leaf: CID | undefined, at: number): void {
  const src = leaf === undefined || bytes.byteLength < SHARE_MIN ? undefined : store.blockFile?.(leaf)
  if (src !== undefined && shareRange(fd, dev, src, 0, bytes.byteLength, at)) return
  for (let o = 0; o < bytes.byteLength;) o += fs.writeSync(fd, bytes, o, bytes.byteLength - o, at + o)
}

/** Smaller blocks are written: sharing them saves less than the call costs. */
const SHARE_MIN = 64 * 1024

/** Renames `tmp` to `p`; `known`: the directories this checkout has found or made so far (each checked once). */
function placeEntry (repo: Repo, p: string, tmp: string, replaceable: (p: string) => boolean, known: Set<string>): FileStat {
  ensureParents(repo, p, replaceable, known)
  const abs = path.join(repo.worktree, p)
  try {
    fs.renameSync(tmp, abs)
  } catch (err) {
    // rename replaces a file or a symlink, never a directory: one in the way is removed only when it may be
    if (fs.lstatSync(abs, { throwIfNoEntry: false })?.isDirectory() !== true) throw err
    if (!replaceable(p)) fail('BAD_PATH', `refusing to replace directory ${p} with a file`)
    fs.rmSync(abs, { recursive: true, force: true })
    known.clear()
    fs.renameSync(tmp, abs)
  }
  // the numbers the stat cache keeps, not a whole fs.Stats a file (a checkout of 100,000 files holds them all)
  const st2 = fs.lstatSync(abs)
  return { mode: st2.mode, size: st2.size, mtimeMs: st2.mtimeMs, ctimeMs: st2.ctimeMs, ino: st2.ino }
}

/**
 * Changes the working root in two phases: first every new file is written to
 * a temporary place (reading every block it needs, each checked against its
 * CID); only when all of them are there are old files removed and new ones
 * renamed into place. A missing or corrupt block thus changes nothing.
 * Returns the stat of each written path and the time it was taken.
 */
export async function applyEntries (repo: Repo, writes: Map<string, Entry>, removals: Iterable<string>, replaceable: (p: string) => boolean): Promise<Map<string, { stat: FileStat, time: number }>> {
  removals = [...removals]
  for (const p of [...writes.keys(), ...removals]) checkNotPrivate(repo, p)
  const staged: Array<[string, string]> = []
  fs.mkdirSync(repo.layout.tmp, { recursive: true })
  try {
    for (const [p, e] of writes) staged.push([p, await stageEntry(repo, e)])
  } catch (err) {
    for (const [, tmp] of staged) fs.rmSync(tmp, { force: true })
    throw err
  }
  for (const p of removals) removeEntry(repo, p)
  const out = new Map<string, { stat: FileStat, time: number }>()
  const known = new Set<string>()
  let placed = 0
  try {
    for (const [p, tmp] of staged) {
      const time = Date.now()
      out.set(p, { stat: placeEntry(repo, p, tmp, replaceable, known), time })
      placed++
    }
  } finally {
    // what was not renamed into place (placed is the one that failed, or the end)
    for (let i = placed; i < staged.length; i++) fs.rmSync(staged[i][1], { force: true })
  }
  return out
}

/**
 * Nothing a tree holds may be written where acache keeps secrets: with
 * $ACACHE_HOME inside the working root, a path in it (or one whose writing
 * would replace a directory holding it) is refused, whoever's tree it is.
 */
function checkNotPrivate (repo: Repo, p: string): void {
  for (const d of repo.privateDirs) {
    const rel = path.relative(repo.worktree, path.resolve(d)).split(path.sep).join('/')
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue
    if (p === rel || p.startsWith(rel + '/') || rel.startsWith(p + '/')) {
      fail('BAD_PATH', `refusing to write ${p}: it is inside $ACACHE_HOME (${d}), where your key is kept`, { data: { path: p }, hint: 'keep ACACHE_HOME outside the working root' })
    }
  }
}

/** Removes a file or symlink and any directories above it left empty. */
export function removeEntry (repo: Repo, p: string): void {
  // Never reach through a symlinked directory to delete what is outside.
  for (const d of ancestors(p)) {
    if (d === '') break
    if (fs.lstatSync(path.join(repo.worktree, d), { throwIfNoEntry: false })?.isDirectory() !== true) return
  }
  const abs = path.join(repo.worktree, p)
  const st = fs.lstatSync(abs, { throwIfNoEntry: false })
  if (st === undefined) return
  if (st.isDirectory()) return
  fs.rmSync(abs, { force: true })
  for (const d of ancestors(p)) {
    if (d === '') break
    try { fs.rmdirSync(path.join(repo.worktree, d)) } catch { break }
  }
}

/**
 * Turns a working root at `fromTree` (plus local changes) into `toTree`.
 * Returns the stat cache describing `toTree`. Changes nothing when it refuses.
 */
export async function checkoutTree (repo: Repo, fromTree: CID | undefined, toTree: CID, force: boolean, hint = 'commit them, or put them aside with `acache stash`; `acache switch --force` discards them'): Promise<{ cache: StatCache, written: number, removed: number, kept: string[], keptChanges: Change[] }> {
  const cache = await StatCache.load(repo, fromTree)
  const cmp = await compareWorktree(repo, cache, { hashAdded: true })
  // a sparse checkout writes and removes only what lies in its set (the rest is recorded, not written)
  const sparse = readSparse(repo.layout)
  // the target whole (checked against the tree-entry limit and the name rules as it is read); into an
  // empty working root (a clone), every file of it is the change: no second walk of the same tree
  const { files, dirs } = await flattenTree(repo.store, toTree)
  const all: TreeChange[] = fromTree === undefined
    ? [...files].map(([path, e]) => ({ path, new: e })).sort((x, y) => x.path < y.path ? -1 : x.path > y.path ? 1 : 0)
    : await diffTrees(repo.store, fromTree, toTree)
  const changes = all.filter(c => inSparse(c.path, sparse))
  const touched = new Map<string, TreeChange>()
  for (const c of changes) touched.set(c.path, c)
  const wanted = (p: string): { cid: string, kind: FileKind } | undefined => {
    const c = touched.get(p)
    if (c === undefined) return undefined
    return c.new === undefined ? undefined : { cid: c.new.cid.toString(), kind: c.new.kind as FileKind }
  }
  // A local change is in the way when the switch would write or remove that
  // path (or a directory above it), unless the file already is what the
  // target holds (as after an interrupted switch).
  const touchedDirs = new Set<string>()
  for (const c of changes) for (const a of ancestors(c.path)) touchedDirs.add(a)
  const blocked: Change[] = []
  const kept: Change[] = []
  for (const ch of cmp.changes) {
    const hit = touched.has(ch.path) || ancestors(ch.path).some(a => touched.has(a)) || (ch.change === 'added' && touchedDirs.has(ch.path))
    if (!hit) { kept.push(ch); continue }
    const now = cmp.lookup(ch.path)
    const w = wanted(ch.path)
    const same = (now === undefined && w === undefined) || (now !== undefined && w !== undefined && now.cid === w.cid && now.kind === w.kind)
    if (!same) blocked.push(ch)
  }
  if (blocked.length > 0 && !force) {
    // as git says it: changed files, and files it does not track (new ones), each called what they are
    const list = (xs: Change[]): string => `${xs.slice(0, 10).map(x => x.path).join(', ')}${xs.length > 10 ? ` and ${xs.length - 10} more` : ''}`
    const changed = blocked.filter(x => x.change !== 'added')
    const fresh = blocked.filter(x => x.change === 'added')
    const parts = [changed.length > 0 ? `your local changes to ${list(changed)}` : '', fresh.length > 0 ? `new files not yet committed (${list(fresh)})` : ''].filter(x => x !== '')
    fail('UNCOMMITTED_CHANGES', `${parts.join(' and ')} would be overwritten`, {
      data: { paths: blocked.map(x => x.path), changed: changed.map(x => x.path), untracked: fresh.map(x => x.path) },
      hint
    })
  }
  const replaceable = (p: string): boolean => force || touched.has(p) || cache.entries.has(p)
  // --force throws local changes away, as git's does: every changed path that
  // is tracked (or that the target has) goes back to the target's version.
  const writes = new Map<string, Entry>()
  const removals = new Set<string>()
  for (const c of changes) {
    if (c.new !== undefined) writes.set(c.path, c.new)
    else if (c.old !== undefined) removals.add(c.path)
  }
  if (force) {
    for (const ch of cmp.changes) {
      const t = files.get(ch.path)
      if (t !== undefined) writes.set(ch.path, t)
      else if (cache.entries.has(ch.path)) removals.add(ch.path)
    }
  }
  const placed = await applyEntries(repo, writes, removals, replaceable)
  trace(`${placed.size} files placed`)
  const fresh = new Map<string, IndexEntry>()
  for (const [p, { stat, time }] of placed) {
    const e = writes.get(p)!
    fresh.set(p, statted(e.kind as FileKind, e.cid, e.tsize, stat, time))
  }
  // The new cache: what was untouched keeps its stat data.
  const entries = new Map<string, IndexEntry>()
  for (const [p, e] of files) {
    const old = cache.entries.get(p)
    entries.set(p, fresh.get(p) ?? (old !== undefined && old.cid === e.cid.toString() && old.kind === e.kind ? old : unstatted(e)))
  }
  trace('stat cache made')
  return { cache: new StatCache(toTree, entries, dirs), written: fresh.size, removed: removals.size, kept: force ? [] : kept.map(k => k.path), keptChanges: force ? [] : kept }
}

/**
 * Moves a working root at `tree` from one sparse set to another: what
 * enters the set is written, what leaves it is removed. A local change to a
 * file that would leave, or an untracked file where one would be written,
 * stops it (unless `force`) before anything changes. The new set is saved
 * last; the stat cache describing the result is returned.
 */
export async function resparse (repo: Repo, tree: CID | undefined, next: string[] | undefined, force: boolean): Promise<{ cache: StatCache, written: number, removed: number }> {
  const before = readSparse(repo.layout)
  const cache = await StatCache.load(repo, tree)
  const cmp = await compareWorktree(repo, cache, { hashAdded: true })
  const files = tree === undefined ? new Map<string, Entry>() : (await flattenTree(repo.store, tree)).files
  const entering = new Map<string, Entry>()
  const leaving: string[] = []
  for (const [p, e] of files) {
    const was = inSparse(p, before)
    const now = inSparse(p, next)
    if (now && !was) entering.set(p, e)
    else if (was && !now) leaving.push(p)
  }
  const leavingSet = new Set(leaving)
  const blocked = cmp.changes.filter(c => leavingSet.has(c.path)).map(c => c.path)
  for (const p of entering.keys()) {
    try { fs.lstatSync(path.join(repo.worktree, p)); blocked.push(p) } catch {}
  }
  if (blocked.length > 0 && !force) {
    fail('UNCOMMITTED_CHANGES', `changing the sparse set would overwrite or remove ${blocked.slice(0, 10).join(', ')}${blocked.length > 10 ? ` and ${blocked.length - 10} more` : ''}`, {
      data: { paths: blocked },
      hint: 'commit or move them first; --force discards them'
    })
  }
  const placed = await applyEntries(repo, entering, leaving, () => true)
  for (const [p, { stat, time }] of placed) {
    const e = entering.get(p)!
    cache.entries.set(p, statted(e.kind as FileKind, e.cid, e.tsize, stat, time))
  }
  writeSparse(repo.layout, next)
  return { cache, written: placed.size, removed: leaving.length }
}

/**
 * In a sparse checkout, a change that would be left in the working root
 * for the next commit (a merge with conflicts, a stash applied) must lie in
 * the set: what is outside is not compared, so it would be lost. Refuses
 * before anything changes.
 */
export async function refuseOutsideSparse (repo: Repo, fromTree: CID | undefined, toTree: CID, what: string): Promise<void> {
  const sparse = readSparse(repo.layout)
  if (sparse === undefined) return
  const outside = (await diffTrees(repo.store, fromTree, toTree)).map(c => c.path).filter(p => !inSparse(p, sparse))
  if (outside.length === 0) return
  fail('USAGE', `${what} changes paths outside the sparse checkout: ${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ` and ${outside.length - 5} more` : ''}`, {
    data: { paths: outside },
    hint: 'widen the set to take them in (acache switch --sparse PATH..., or --no-sparse), then try again'
  })
}
