import { readSparse, inSparse } from '../repo/sparse.js'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { isAcacheError } from '../errors.js'
import { Ctx } from '../context.js'
import { StatCache, IndexEntry } from '../worktree/status/stat-cache.js'
import { Change, compareWorktree } from '../worktree/snapshot.js'
import type { WalkRecord } from '../worktree/status/walk-record.js'
import { readMergeState, Conflict, MergeState, unresolved } from '../merge/state.js'
import { repoPaths } from '../worktree/paths.js'
import { trace } from '../util/trace.js'

export interface Upstream { ref: string, ahead: number, behind: number }

export interface StatusResult {
  branch?: string
  /** the remote branch this one follows (refs/remotes/R/BRANCH), with the commits on each side only */
  upstream?: Upstream
  head?: string
  detached: boolean
  changes: Change[]
  /** directories with nothing in them: not tracked (as in git), so said */
  emptyDirs: string[]
  /** the new files as git's status shows them by default (-unormal): a directory holding no tracked file as "DIR/", once */
  untracked: string[]
  merging?: { other: string, label: string, conflicts: Array<Conflict & { resolved: boolean }> }
  /** a sparse checkout: its paths, and how many of the tracked files lie in them */
  sparse?: { paths: string[], inside: number, tracked: number }
}

/** Changes of the working root against HEAD; refreshes the stat cache when it can. */
export async function status (repo: Repo, ctx: Ctx, opts: { paths?: string[] } = {}): Promise<StatusResult> {
  trace('status start')
  const h = repo.refs.head()
  const { cache } = await StatCache.forHead(repo, h.cid)
  trace('index read')
  const paths = repoPaths(repo.worktree, ctx.cwd, opts.paths)
  const cmp = await compareWorktree(repo, cache, { paths })
  trace('compared')
  const rebuilt = cache.tree !== undefined && !cache.fromDisk
  if (cmp.refreshed > 0 || rebuilt || (cmp.walkChanged && cache.tree !== undefined)) await refreshCache(repo, cache, cmp.current, cmp.walk)
  const merge = readMergeState(repo)
  const branch = repo.refs.currentBranch()
  return {
    branch,
    upstream: branch === undefined || h.cid === undefined ? undefined : await upstreamOf(repo, branch, h.cid),
    head: h.cid?.toString(),
    detached: h.ref === undefined,
    changes: cmp.changes,
    emptyDirs: cmp.walk.empty ?? [],
    untracked: collapseNew(cmp.changes.filter(c => c.change === 'added').map(c => c.path), () => cache.entries.paths()),
    merging: merge === undefined ? undefined : { other: merge.other.toString(), label: merge.label, conflicts: withResolution(repo, merge) },
    sparse: sparseSummary(repo, cache)
  }
}

function sparseSummary (repo: Repo, cache: StatCache): StatusResult['sparse'] {
  const paths = readSparse(repo.layout)
  if (paths === undefined) return undefined
  const all = cache.entries.paths()
  return { paths, inside: all.filter(p => inSparse(p, paths)).length, tracked: all.length }
}

/**
 * New files as git lists them without -uall: a directory with no tracked
 * file in it stands for everything new below it ("DIR/", the highest such).
 */
export function collapseNew (added: string[], tracked: () => string[]): string[] {
  if (added.length === 0) return []
  const dirs = new Set<string>()
  for (const p of tracked()) {
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i))
  }
  const out = new Set<string>()
  for (const p of added) {
    let shown = p
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
      const d = p.slice(0, i)
      if (!dirs.has(d)) { shown = d + '/'; break }
    }
    out.add(shown)
  }
  return [...out].sort((a, b) => a < b ? -1 : a > b ? 1 : 0)
}

/** Saves fresh stat data for unchanged files, if no other process holds the lock. */
async function refreshCache (repo: Repo, cache: StatCache, current: Map<string, IndexEntry>, walk: WalkRecord): Promise<void> {
  let release: (() => void) | undefined
  try {
    release = repo.lock()
  } catch (err) {
    if (isAcacheError(err, 'LOCKED')) return
    throw err
  }
  try {
    // Another process may have moved HEAD since we looked: then our data is stale.
    const head = repo.refs.headCommit()
    if (head === undefined || (cache.commit !== head.toString() && !(await repo.readCommit(head)).tree.equals(cache.tree!))) return
    for (const [p, e] of current) {
      const old = cache.entries.get(p)
      if (old !== undefined && old.cid === e.cid && old.kind === e.kind) cache.entries.set(p, e)
    }
    cache.walk = walk
    cache.save(repo)
  } finally {
    release()
  }
}

function withResolution (repo: Repo, s: MergeState): Array<Conflict & { resolved: boolean }> {
  const open = new Set(unresolved(repo, s).map(u => u.path))
  return s.conflicts.map(c => ({ ...c, resolved: !open.has(c.path) && !c.sidecars.some(x => open.has(x)) }))
}

/**
 * The remote branch `branch` follows: the one config.branches names (clone
 * sets it), else the only remote that publishes a branch of that name; with
 * the commits only we have (ahead) and only it has (behind).
 */
export async function upstreamOf (repo: Repo, branch: string, head: CID): Promise<Upstream | undefined> {
  const configured = (repo.config.branches as Record<string, { remote?: string }> | undefined)?.[branch]?.remote
  const candidates = configured !== undefined ? [configured] : Object.keys(repo.config.remotes).filter(r => repo.refs.read(`refs/remotes/${r}/${branch}`) !== undefined)
  if (candidates.length !== 1) return undefined
  const ref = `refs/remotes/${candidates[0]}/${branch}`
  const theirs = repo.refs.read(ref)
  if (theirs === undefined) return undefined
  try {
    const { ahead, behind } = await aheadBehind(repo, head, theirs)
    return { ref: ref.slice('refs/remotes/'.length), ahead, behind }
  } catch { return undefined } // history not all here (a shallow fetch): say nothing
}

/**
 * Commits reachable from `a` only and from `b` only, walking both newest
 * first until every commit still to visit is reachable from both (git's
 * paint-down): the cost follows how far they diverged, not all history.
 */
export async function aheadBehind (repo: Repo, a: CID, b: CID): Promise<{ ahead: number, behind: number }> {
  if (a.toString() === b.toString()) return { ahead: 0, behind: 0 }
  const flags = new Map<string, number>()
  const time = new Map<string, string>()
  const queue: string[] = []
  const visit = async (id: string, f: number): Promise<void> => {
    const had = flags.get(id) ?? 0
    if ((had | f) === had) return
    flags.set(id, had | f)
    if (!time.has(id)) time.set(id, (await repo.readCommit(CID.parse(id))).time)
    queue.push(id)
  }
  await visit(a.toString(), 1)
  await visit(b.toString(), 2)
  while (queue.some(id => flags.get(id) !== 3)) {
    let best = 0
    for (let i = 1; i < queue.length; i++) if (time.get(queue[i])! > time.get(queue[best])!) best = i
    const id = queue.splice(best, 1)[0]
    const f = flags.get(id)!
    for (const p of (await repo.readCommit(CID.parse(id))).parents) await visit(p.toString(), f)
  }
  let ahead = 0
  let behind = 0
  for (const f of flags.values()) { if (f === 1) ahead++; else if (f === 2) behind++ }
  return { ahead, behind }
}
