import { CID } from 'multiformats/cid'
import { ABSENT, Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { requireIdentity } from '../identity/identity.js'
import { resolveRev, shortCid } from '../repo/revs.js'
import { runHook } from '../repo/hooks.js'
import { admitCommit, signCommit } from '../model/commit.js'
import { shortKey } from '../model/did.js'
import { diffTrees } from '../model/treediff.js'
import { Entry } from '../model/tree.js'
import { StatCache } from '../worktree/status/stat-cache.js'
import { applyEntries } from '../worktree/checkout.js'
import { mergeBases, isAncestor, ParentsOf } from '../merge/base.js'
import { mergeTrees } from '../merge/trees.js'
import { Conflict, readMergeState, writeMergeState, clearMergeState } from '../merge/state.js'
import { checkoutTree, refuseOutsideSparse } from '../worktree/checkout.js'
import { chunkerOf } from '../worktree/attributes.js'
import { OwnershipChecker, failOwnership, ownershipError } from '../services/ownership.js'

/**
 * Their commits that we do not have in our history enter it with the merge:
 * each must be validly signed and keep the rules (commits a shallow fetch
 * left at the remote are read now, through the lazy store, and checked here
 * like any other).
 */
async function checkIncoming (repo: Repo, ours: CID | undefined, theirs: CID, parentsOf: ParentsOf): Promise<string[]> {
  const mine = new Set<string>()
  const stack = ours === undefined ? [] : [ours.toString()]
  while (stack.length > 0) {
    const id = stack.pop()!
    if (mine.has(id)) continue
    mine.add(id)
    stack.push(...await parentsOf(id))
  }
  const checker = await OwnershipChecker.for(repo)
  const todo = [theirs.toString()]
  const seen = new Set<string>()
  const incoming: string[] = []
  const roots: string[] = []
  while (todo.length > 0) {
    const id = todo.pop()!
    if (seen.has(id) || mine.has(id)) continue
    seen.add(id)
    incoming.push(id)
    const parents = await parentsOf(id)
    if (parents.length === 0) roots.push(id)
    todo.push(...parents)
  }
  const verified = repo.complete()
  for (const id of incoming.reverse()) {
    if (verified.has(CID.parse(id))) continue // checked, with all below it, when it was accepted
    admitCommit(CID.parse(id), await repo.store.get(CID.parse(id)))
    const v = await checker.violations(CID.parse(id))
    if (v.length > 0) throw ownershipError(v[0])
  }
  return roots
}

/** Local changes in a merge's way: git's advice, with commands that exist here. */
const MERGE_HINT = 'commit them, or put them aside with `acache stash` and merge (or pull) again, then `acache stash pop`'

export interface MergeOptions { rev?: string, noFf?: boolean, abort?: boolean, message?: string }

export interface MergeOutcome {
  result: 'up-to-date' | 'fast-forward' | 'merged' | 'conflicts' | 'aborted'
  commit?: string
  other?: string
  bases: string[]
  conflicts: Conflict[]
}

/**
 * Merges another line of history into the working root (DESIGN §5):
 * fast-forward when possible, else a three-way merge recorded as a commit
 * with two parents, or left in the working root with MERGE_STATE when some
 * paths conflict.
 */
export async function merge (repo: Repo, ctx: Ctx, opts: MergeOptions): Promise<MergeOutcome> {
  if (opts.abort === true) return await abortMerge(repo)
  if (opts.rev === undefined) fail('USAGE', 'merge what?', { hint: 'acache merge BRANCH (or alice/main, or a commit)' })
  const release = repo.lock()
  try {
    if (readMergeState(repo) !== undefined) fail('MERGE_IN_PROGRESS', 'a merge is already in progress', { hint: 'resolve it and commit, or run `acache merge --abort`' })
    const theirs = await resolveRev(repo, opts.rev)
    const theirCommit = await repo.readCommit(theirs)
    const ours = repo.refs.headCommit()
    const parentsOf: ParentsOf = async (id) => (await repo.readCommit(CID.parse(id))).parents.map(String)
    if (ours === undefined) {
      // Nothing here yet: the branch simply starts where theirs is, and its roots become ours.
      const roots = await checkIncoming(repo, undefined, theirs, parentsOf)
      const r = await checkoutTree(repo, undefined, theirCommit.tree, false)
      await repo.store.settle([theirs])
      repo.addKnownRoots(roots.map(x => CID.parse(x)))
      repo.refs.transaction(`merge ${opts.rev}: Fast-forward`).advanceHead(theirs, ABSENT).commit()
      r.cache.save(repo)
      release()
      runHook(repo, 'post-merge', ['0'])
      return { result: 'fast-forward', commit: theirs.toString(), other: theirs.toString(), bases: [], conflicts: [] }
    }
    const ourCommit = await repo.readCommit(ours)
    if (await isAncestor(theirs.toString(), ours.toString(), parentsOf)) {
      return { result: 'up-to-date', commit: ours.toString(), other: theirs.toString(), bases: [theirs.toString()], conflicts: [] }
    }
    if (opts.noFf !== true && await isAncestor(ours.toString(), theirs.toString(), parentsOf)) {
      await checkIncoming(repo, ours, theirs, parentsOf)
      const r = await checkoutTree(repo, ourCommit.tree, theirCommit.tree, false, MERGE_HINT)
      await repo.store.settle([theirs])
      repo.refs.transaction(`merge ${opts.rev}: Fast-forward`).advanceHead(theirs, ours).commit()
      r.cache.save(repo)
      release()
      runHook(repo, 'post-merge', ['0'])
      return { result: 'fast-forward', commit: theirs.toString(), other: theirs.toString(), bases: [ours.toString()], conflicts: [] }
    }
    const id = requireIdentity(ctx.home)
    await checkIncoming(repo, ours, theirs, parentsOf)
    const bases = await mergeBases(ours.toString(), theirs.toString(), parentsOf)
    const baseTree = await virtualBaseTree(repo, bases, parentsOf)
    const labels = { ours: 'ours', base: 'base', theirs: `theirs:${shortKey(theirCommit.author.key)} ${opts.rev}` }
    const merged = await mergeTrees(repo.store, baseTree, ourCommit.tree, theirCommit.tree, { labels, chunker: chunkerOf(repo.root) })
    // a merge left to resolve is committed from the working root: in a sparse checkout, all of it must be there
    if (merged.conflicts.length > 0) await refuseOutsideSparse(repo, ourCommit.tree, merged.tree.cid, 'this merge has conflicts and')
    // Refuses, before changing anything, when local changes are in the way.
    const r = await checkoutTree(repo, ourCommit.tree, merged.tree.cid, false, MERGE_HINT)
    if (merged.conflicts.length > 0) {
      // The stat cache keeps describing HEAD, so status shows the merge as changes.
      writeMergeState(repo, { other: theirs, label: opts.rev, orig: ours, conflicts: merged.conflicts, result: merged.tree.cid })
      return { result: 'conflicts', other: theirs.toString(), bases, conflicts: merged.conflicts }
    }
    // What the merge itself writes (auto-merged text) is the signer's change.
    const vs = await (await OwnershipChecker.for(repo)).check(merged.tree.cid, [ours, theirs], id.key, '(merge)')
    if (vs.length > 0) failOwnership(vs)
    const { commit } = signCommit({
      type: 'acache/commit',
      version: 1,
      tree: merged.tree.cid,
      parents: [ours, theirs],
      author: { key: id.key, name: id.name },
      time: ctx.now().toISOString(),
      message: opts.message ?? `Merge ${opts.rev} (${shortCid(theirs)})`
    }, id.secretKey)
    const cid = await repo.writeCommit(commit)
    await repo.store.settle([cid])
    repo.refs.transaction(`merge ${opts.rev}: Merge made by the three-way strategy`).advanceHead(cid, ours).commit()
    r.cache.save(repo)
    release()
    runHook(repo, 'post-merge', ['0'])
    return { result: 'merged', commit: cid.toString(), other: theirs.toString(), bases, conflicts: [] }
  } finally {
    release()
  }
}

/**
 * The base tree: the one best common ancestor's, or for a criss-cross
 * history (several), the merge of those bases, built the same way
 * recursively (git's "recursive" strategy). Conflicts inside the virtual
 * base keep their markers there; the result is deterministic because the
 * bases are taken in sorted order.
 */
async function virtualBaseTree (repo: Repo, bases: string[], parentsOf: ParentsOf): Promise<CID | undefined> {
  if (bases.length === 0) return undefined
  const treeOf = async (id: string): Promise<CID> => (await repo.readCommit(CID.parse(id))).tree
  if (bases.length === 1) return await treeOf(bases[0])
  let accTree = await treeOf(bases[0])
  let accIds = [bases[0]]
  for (const next of bases.slice(1)) {
    // bases of (everything merged so far) and next
    const sub = new Set<string>()
    for (const a of accIds) for (const b of await mergeBases(a, next, parentsOf)) sub.add(b)
    const subTree = await virtualBaseTree(repo, [...sub].sort(), parentsOf)
    accTree = (await mergeTrees(repo.store, subTree, accTree, await treeOf(next))).tree.cid
    accIds = [...accIds, next]
  }
  return accTree
}

/** Puts every path the merge touched back as HEAD has it and forgets the merge. */
async function abortMerge (repo: Repo): Promise<MergeOutcome> {
  const release = repo.lock()
  try {
    const state = readMergeState(repo)
    if (state === undefined) fail('USAGE', 'there is no merge to abort')
    const ours = (await repo.readCommit(state.orig)).tree
    const changes = await diffTrees(repo.store, state.result, ours)
    const writes = new Map<string, Entry>()
    const removals: string[] = []
    for (const c of changes) {
      if (c.new !== undefined) writes.set(c.path, c.new)
      else removals.push(c.path)
    }
    const cache = await StatCache.load(repo, ours)
    await applyEntries(repo, writes, removals, (p) => cache.entries.has(p) || writes.has(p))
    clearMergeState(repo)
    return { result: 'aborted', other: state.other.toString(), bases: [], conflicts: state.conflicts }
  } finally {
    release()
  }
}
