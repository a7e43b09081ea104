import { Repo, isAcacheError } from '../repo/repo.js'
import { Ctx } from './context.js'
import { StatCache, IndexEntry } from '../worktree/index.js'
import { Change, compareWorktree } from '../worktree/snapshot.js'
import type { WalkRecord } from '../worktree/scan.js'
import { readMergeState, Conflict, MergeState, unresolved } from '../merge/state.js'
import { repoPaths } from '../worktree/paths.js'
import { trace } from '../util/trace.js'

export interface StatusResult {
  branch?: string
  head?: string
  detached: boolean
  changes: Change[]
  merging?: { other: string, label: string, conflicts: Array<Conflict & { resolved: boolean }> }
}

/** Changes of the working root against HEAD; refreshes the stat cache when it can. */
export async function status (repo: Repo, ctx: Ctx, opts: { paths?: string[] } = {}): Promise<StatusResult> {
  trace('status start')
  const h = repo.readHead()
  const headTree = h.cid === undefined ? undefined : (await repo.readCommit(h.cid)).tree
  const cache = await StatCache.load(repo, headTree)
  trace('index read')
  const paths = repoPaths(repo.worktree, ctx.cwd, opts.paths)
  const cmp = await compareWorktree(repo, cache, { paths })
  trace('compared')
  const rebuilt = cache.tree !== undefined && !cache.fromDisk
  if (cmp.refreshed > 0 || rebuilt || (cmp.walkChanged && cache.tree !== undefined)) await refreshCache(repo, cache, cmp.current, cmp.walk)
  const merge = readMergeState(repo)
  return {
    branch: repo.currentBranch(),
    head: h.cid?.toString(),
    detached: h.ref === undefined,
    changes: cmp.changes,
    merging: merge === undefined ? undefined : { other: merge.other.toString(), label: merge.label, conflicts: withResolution(repo, merge) }
  }
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
    const head = repo.headCommit()
    if (head === undefined || !(await repo.readCommit(head)).tree.equals(cache.tree!)) return
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
