import { CID } from 'multiformats/cid'
import { Repo, checkNewBranchName } from '../repo/repo.js'
import { Ctx } from './context.js'
import { fail } from '../errors.js'
import { resolveRev } from '../repo/revs.js'
import { StatCache, IndexEntry, statted, unstatted } from '../worktree/index.js'
import { Change, compareWorktree } from '../worktree/snapshot.js'
import { diffTrees, TreeChange } from '../model/treediff.js'
import { flattenTree, Entry } from '../model/tree.js'
import { applyEntries } from '../worktree/checkout.js'
import { ancestors } from '../worktree/paths.js'
import { readMergeState } from '../merge/state.js'
import { FileKind } from '../worktree/scan.js'

export interface SwitchOptions { target: string, create?: string, detach?: boolean, force?: boolean }
export interface SwitchResult { branch?: string, commit: string, created?: string, written: number, removed: number, kept: string[], /** the local changes carried along, with what they are */ keptChanges: Change[], /** leaving a detached HEAD: commits no ref holds */ leftBehind?: { commit: string, count: number } }

/**
 * Moves the working root and HEAD to another commit. Local changes to paths
 * the switch does not touch are carried along, as in git; a change it would
 * overwrite makes it refuse (naming the paths) unless `force`.
 */
export async function switchTo (repo: Repo, ctx: Ctx, opts: SwitchOptions): Promise<SwitchResult> {
  const release = repo.lock()
  try {
    if (readMergeState(repo) !== undefined) fail('MERGE_IN_PROGRESS', 'a merge is in progress', { hint: 'commit it, or run `acache merge --abort`' })
    let target: CID
    let ref: string | undefined
    if (opts.create !== undefined) {
      checkNewBranchName(opts.create)
      if (repo.readRef(`refs/heads/${opts.create}`) !== undefined) fail('EXISTS', `a branch named ${opts.create} already exists`)
      target = await resolveRev(repo, opts.target)
      ref = `refs/heads/${opts.create}`
    } else {
      target = await resolveRev(repo, opts.target)
      if (opts.detach !== true && repo.readRef(`refs/heads/${opts.target}`) !== undefined) ref = `refs/heads/${opts.target}`
    }
    const targetTree = (await repo.readCommit(target)).tree
    const head = repo.headCommit()
    const wasDetached = repo.readHead().ref === undefined
    const headTree = head === undefined ? undefined : (await repo.readCommit(head)).tree
    const r = await checkoutTree(repo, headTree, targetTree, opts.force === true)
    repo.why = `switch: moving from ${repo.currentBranch() ?? (head === undefined ? '(nothing)' : head.toString())} to ${opts.create ?? opts.target}`
    if (opts.create !== undefined) repo.writeRef(ref!, target, `branch: Created from ${opts.target}`)
    repo.setHead(ref !== undefined ? { ref } : { cid: target })
    r.cache.save(repo)
    const leftBehind = wasDetached && head !== undefined ? await orphaned(repo, head, target) : undefined
    return { branch: ref?.slice('refs/heads/'.length), commit: target.toString(), created: opts.create, written: r.written, removed: r.removed, kept: r.kept, keptChanges: r.keptChanges, ...(leftBehind !== undefined ? { leftBehind } : {}) }
  } finally {
    release()
  }
}

/**
 * Turns a working root at `fromTree` (plus local changes) into `toTree`.
 * Returns the stat cache describing `toTree`. Changes nothing when it refuses.
 */
export async function checkoutTree (repo: Repo, fromTree: CID | undefined, toTree: CID, force: boolean, hint = 'commit them, or put them aside with `acache stash`; `acache switch --force` discards them'): Promise<{ cache: StatCache, written: number, removed: number, kept: string[], keptChanges: Change[] }> {
  const cache = await StatCache.load(repo, fromTree)
  const cmp = await compareWorktree(repo, cache, { hashAdded: true })
  const changes: TreeChange[] = await diffTrees(repo.store, fromTree, toTree)
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
  const { files, dirs } = await flattenTree(repo.store, toTree)
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
  return { cache: new StatCache(toTree, entries, dirs), written: fresh.size, removed: removals.size, kept: force ? [] : kept.map(k => k.path), keptChanges: force ? [] : kept }
}

/**
 * Leaving a detached HEAD: the commits reachable from it that no ref (nor
 * the new HEAD) holds, as git warns of them. Walks back from the old HEAD
 * only until it meets what refs hold.
 */
async function orphaned (repo: Repo, old: CID, now: CID): Promise<{ commit: string, count: number } | undefined> {
  const held = new Set<string>()
  const stack: CID[] = [now, ...repo.listRefs('refs').map(([, c]) => c)]
  while (stack.length > 0) {
    const c = stack.pop()!
    const k = c.toString()
    if (held.has(k)) continue
    held.add(k)
    try { stack.push(...(await repo.readCommit(c)).parents) } catch {}
  }
  let count = 0
  const todo = [old]
  const seen = new Set<string>()
  while (todo.length > 0) {
    const c = todo.pop()!
    const k = c.toString()
    if (held.has(k) || seen.has(k)) continue
    seen.add(k)
    count++
    try { todo.push(...(await repo.readCommit(c)).parents) } catch {}
  }
  return count === 0 ? undefined : { commit: old.toString(), count }
}
