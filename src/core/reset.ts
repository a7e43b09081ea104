import { ABSENT, Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { resolveRev } from '../repo/revs.js'
import { clearMergeState, readMergeState } from '../merge/state.js'
import { checkoutTree } from '../worktree/checkout.js'

export type ResetMode = 'soft' | 'hard'

export interface ResetResult { mode: ResetMode, branch?: string, from?: string, to: string, written: number, removed: number }

/**
 * `reset [--soft|--hard] REV`: moves the current branch (or a detached
 * HEAD) to REV. With no staging area, --soft (and git's default, --mixed)
 * leave the working root as it is, so what the branch no longer holds shows
 * as changes; --hard also makes the working root REV's tree, discarding
 * local changes and a merge under way. The old position stays in the
 * reflog (ORIG: HEAD@{1}).
 */
export async function reset (repo: Repo, _ctx: Ctx, opts: { rev?: string, mode?: ResetMode }): Promise<ResetResult> {
  const mode = opts.mode ?? 'soft'
  const release = repo.lock()
  try {
    const target = await resolveRev(repo, opts.rev ?? 'HEAD')
    const to = await repo.readCommit(target)
    const head = repo.refs.headCommit()
    const merging = readMergeState(repo)
    if (merging !== undefined && mode !== 'hard') fail('MERGE_IN_PROGRESS', 'a merge is in progress', { hint: 'finish it with `acache commit`, or throw it away with `acache reset --hard` or `acache merge --abort`' })
    let written = 0
    let removed = 0
    const label = opts.rev ?? 'HEAD'
    const move = repo.refs.transaction(`reset: moving to ${label}`).advanceHead(target, head ?? ABSENT)
    if (mode === 'hard') {
      const from = head === undefined ? undefined : (await repo.readCommit(head)).tree
      // a merge under way wrote into the working root: start from what it wrote
      const r = await checkoutTree(repo, merging !== undefined ? merging.result : from, to.tree, true)
      move.commit()
      r.cache.save(repo)
      clearMergeState(repo)
      written = r.written
      removed = r.removed
    } else {
      move.commit()
    }
    return { mode, branch: repo.refs.currentBranch(), from: head?.toString(), to: target.toString(), written, removed }
  } finally {
    release()
  }
}
