import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { resolveRev } from '../repo/revs.js'
import { StatCache, statted, IndexEntry } from '../worktree/status/stat-cache.js'
import { compareWorktree, underPaths } from '../worktree/snapshot.js'
import { repoPaths } from '../worktree/paths.js'
import { flattenTree, Entry } from '../model/tree.js'
import { applyEntries } from '../worktree/checkout.js'
import { FileKind } from '../worktree/scan.js'

export interface RestoreResult { source: string, restored: string[], removed: string[], discarded: string[] }

/**
 * Puts paths of the working root back as HEAD (or `source`) has them,
 * discarding local changes to them, as git's restore does. `force` also
 * replaces what is in the way that acache does not track.
 */
export async function restore (repo: Repo, ctx: Ctx, opts: { paths: string[], source?: string, force?: boolean }): Promise<RestoreResult> {
  if (opts.paths.length === 0) fail('USAGE', 'restore needs at least one path', { hint: 'name files or directories, or `acache restore -- .` for everything' })
  const release = repo.lock()
  try {
    const paths = repoPaths(repo.worktree, ctx.cwd, opts.paths)!
    const head = repo.refs.headCommit()
    const headTree = head === undefined ? undefined : (await repo.readCommit(head)).tree
    const sourceCid = await resolveRev(repo, opts.source ?? 'HEAD')
    const sourceTree = (await repo.readCommit(sourceCid)).tree
    const cache = await StatCache.load(repo, headTree)
    const cmp = await compareWorktree(repo, cache, { hashAdded: true, paths })
    const { files: source } = await flattenTree(repo.store, sourceTree)
    const wanted = new Map<string, Entry>()
    for (const [p, e] of source) if (underPaths(p, paths)) wanted.set(p, e)
    for (const p of paths) {
      const known = p === '' || wanted.has(p) || [...wanted.keys()].some(w => w.startsWith(p + '/')) || cache.entries.has(p) || [...cache.entries.keys()].some(w => w.startsWith(p + '/'))
      if (!known) fail('BAD_PATH', `pathspec ${JSON.stringify(p)} did not match any file known to acache`)
    }
    // Tracked in HEAD, absent from the source: removed (git restore --source does the same).
    const toRemove = cmp.present.filter(p => cache.entries.has(p) && !wanted.has(p))
    // As git's restore: the paths are put back, local changes to them discarded (that is what it is for).
    const discarded = cmp.changes.filter(c => c.change !== 'deleted' && (wanted.has(c.path) || toRemove.includes(c.path))).map(c => c.path)
    const writes = new Map<string, Entry>()
    for (const [p, e] of wanted) {
      const now = cmp.lookup(p)
      if (now === undefined || now.cid !== e.cid.toString() || now.kind !== e.kind) writes.set(p, e)
    }
    const placed = await applyEntries(repo, writes, toRemove, (q) => opts.force === true || cache.entries.has(q) || wanted.has(q))
    for (const [p, { stat, time }] of placed) {
      const e = writes.get(p)!
      const old = cache.entries.get(p)
      if (old !== undefined && old.cid === e.cid.toString() && old.kind === e.kind) {
        cache.entries.set(p, statted(e.kind as FileKind, e.cid, e.tsize, stat, time) as IndexEntry)
      }
    }
    const restored = [...writes.keys()]
    if (headTree !== undefined) cache.save(repo)
    return { source: sourceCid.toString(), restored, removed: toRemove, discarded }
  } finally {
    release()
  }
}
