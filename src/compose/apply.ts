import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { requireIdentity } from '../identity/identity.js'
import { resolveRev, shortCid } from '../repo/revs.js'
import { signCommit } from '../model/commit.js'
import { shortKey } from '../model/did.js'
import { mergeTrees } from '../merge/trees.js'
import { Conflict, readMergeState, writeMergeState } from '../merge/state.js'
import { checkoutTree, refuseOutsideSparse } from '../worktree/checkout.js'
import { chunkerOf } from '../worktree/attributes.js'
import { OwnershipChecker, failOwnership } from '../services/ownership.js'
import { merge } from '../core/merge.js'
import { commit, preparedMessage } from '../core/commit.js'

export type ApplyKind = 'revert' | 'cherry-pick'

export interface ApplyResult { kind: ApplyKind, result: 'committed' | 'conflicts', of: string, commit?: string, conflicts: Conflict[] }

/**
 * `cherry-pick REV` and `revert REV`: the change REV made (against its
 * first parent), applied to HEAD or taken back from it, by the same
 * three-way merge as `merge` (cherry-pick: base REV^, theirs REV; revert:
 * base REV, theirs REV^) and recorded as a commit with one parent. When
 * paths conflict the working root holds the conflicts as after a merge;
 * `acache commit` then records the result (the message is kept) and
 * `acache merge --abort` puts things back.
 */
export async function applyCommit (repo: Repo, ctx: Ctx, kind: ApplyKind, rev: string): Promise<ApplyResult> {
  const id = requireIdentity(ctx.home)
  const release = repo.lock()
  try {
    if (readMergeState(repo) !== undefined) fail('MERGE_IN_PROGRESS', 'a merge, revert or cherry-pick is already in progress', { hint: 'resolve it and commit, or run `acache merge --abort`' })
    const head = repo.refs.headCommit()
    if (head === undefined) fail('USAGE', `nothing to ${kind} onto: this branch has no commits yet`)
    const target = await resolveRev(repo, rev)
    const c = await repo.readCommit(target)
    if (c.parents.length > 1) fail('USAGE', `${shortCid(target)} is a merge: acache ${kind} takes commits with one parent`)
    const parentTree = c.parents.length === 0 ? undefined : (await repo.readCommit(c.parents[0])).tree
    const ours = (await repo.readCommit(head)).tree
    const [base, theirs] = kind === 'cherry-pick' ? [parentTree, c.tree] : [c.tree, parentTree]
    // taking back a root commit: theirs is an empty tree
    const theirsTree = theirs ?? (await emptyTree(repo))
    const first = c.message.split('\n')[0]
    const message = kind === 'cherry-pick'
      ? `${c.message.replace(/\n+$/, '')}\n\n(cherry picked from commit ${target.toString()})\n`
      : `Revert "${first}"\n\nThis reverts commit ${target.toString()}.\n`
    const labels = { ours: 'ours', base: kind === 'revert' ? `${shortCid(target)} (reverted)` : `parent of ${shortCid(target)}`, theirs: `theirs:${shortKey(c.author.key)} ${kind} ${rev}` }
    const merged = await mergeTrees(repo.store, base, ours, theirsTree, { labels, chunker: chunkerOf(repo.root) })
    if (merged.tree.cid.equals(ours) && merged.conflicts.length === 0) {
      fail('NOTHING_TO_COMMIT', kind === 'revert' ? `reverting ${shortCid(target)} changes nothing here (it was already taken back)` : `${shortCid(target)} changes nothing here (it is already applied)`)
    }
    if (merged.conflicts.length === 0) {
      // what it would record must be ours to record, before the working root changes
      const vs = await new OwnershipChecker(repo.store).check(merged.tree.cid, [head], id.key, `(${kind})`)
      if (vs.length > 0) failOwnership(vs)
    }
    if (merged.conflicts.length > 0) await refuseOutsideSparse(repo, ours, merged.tree.cid, `this ${kind} has conflicts and`)
    // Refuses, before changing anything, when local changes are in the way.
    const r = await checkoutTree(repo, ours, merged.tree.cid, false, 'commit them, or put them aside with `acache stash`, then try again')
    if (merged.conflicts.length > 0) {
      writeMergeState(repo, { kind, message, other: target, label: `${kind} ${rev}`, orig: head, conflicts: merged.conflicts, result: merged.tree.cid })
      return { kind, result: 'conflicts', of: target.toString(), conflicts: merged.conflicts }
    }
    const { commit } = signCommit({ type: 'acache/commit', version: 1, tree: merged.tree.cid, parents: [head], author: { key: id.key, name: id.name }, time: ctx.now().toISOString(), message }, id.secretKey)
    const cid = await repo.writeCommit(commit)
    await repo.store.settle([cid])
    repo.refs.transaction(`${kind}: ${kind === 'revert' ? `Revert "${first}"` : first}`).advanceHead(cid, head).commit()
    r.cache.save(repo)
    return { kind, result: 'committed', of: target.toString(), commit: cid.toString(), conflicts: [] }
  } finally {
    release()
  }
}

async function emptyTree (repo: Repo): Promise<CID> {
  const { writeDirectory } = await import('../model/tree.js')
  return (await writeDirectory(repo.store, new Map())).cid
}

export interface FinishResult { kind: ApplyKind, result: 'aborted' | 'committed', commit?: string }

/**
 * `revert --abort|--continue`, `cherry-pick --abort|--continue`: the one
 * under way given up (as `merge --abort`) or recorded once its conflicts
 * are resolved (as `commit` with the prepared message).
 */
export async function finishApply (repo: Repo, ctx: Ctx, kind: ApplyKind, how: 'abort' | 'continue'): Promise<FinishResult> {
  const state = readMergeState(repo)
  if (state === undefined) fail('USAGE', `there is no ${kind} in progress`)
  if ((state.kind ?? 'merge') !== kind) fail('USAGE', `a ${state.kind ?? 'merge'} is in progress, not a ${kind}`, { hint: `\`acache ${state.kind ?? 'merge'} --${how}\`` })
  if (how === 'abort') {
    await merge(repo, ctx, { abort: true })
    return { kind, result: 'aborted' }
  }
  const r = await commit(repo, ctx, { message: preparedMessage(repo) ?? '' })
  return { kind, result: 'committed', commit: r.commit }
}
