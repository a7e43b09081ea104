import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { fetch, FetchResult } from '../core/fetch.js'
import { merge, MergeOutcome } from '../core/merge.js'

export interface PullResult { remote: string, branch: string, fetched: FetchResult[], merge: MergeOutcome }

/** `pull [REMOTE] [BRANCH]`: fetch REMOTE (default: the only one), then merge its BRANCH (default: the one named like yours). */
export async function pull (repo: Repo, ctx: Ctx, opts: { remote?: string, branch?: string } = {}): Promise<PullResult> {
  const remotes = Object.keys(repo.config.remotes)
  const remote = opts.remote ?? (remotes.length === 1 ? remotes[0] : undefined)
  if (remote === undefined) fail('USAGE', 'pull from which remote?', { hint: `one of: ${remotes.join(', ') || '(none yet)'}` })
  const fetched = await fetch(repo, ctx, { remote })
  const branch = opts.branch ?? repo.refs.currentBranch() ?? 'main'
  const m = await merge(repo, ctx, { rev: `${remote}/${branch}` })
  return { remote, branch, fetched, merge: m }
}
