import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { ABSENT, Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { requireIdentity } from '../identity/identity.js'
import { fail } from '../errors.js'
import { runHook } from '../repo/hooks.js'
import { StatCache } from '../worktree/status/stat-cache.js'
import { Change, compareWorktree, worktreeTree } from '../worktree/snapshot.js'
import { walkForTree } from '../worktree/status/walk-record.js'
import { trace } from '../util/trace.js'
import { repoPaths } from '../worktree/paths.js'
import { signCommit } from '../model/commit.js'
import { readMergeState, clearMergeState, checkResolved } from '../merge/state.js'
import { OwnershipChecker, failOwnership } from '../services/ownership.js'
import { OWNERS_FILE } from '../model/owners.js'

export interface CommitOptions {
  /** the message; with `amend`, undefined keeps the amended commit's */
  message?: string
  /** replace HEAD: the new commit takes HEAD's parents (git's --amend) */
  amend?: boolean
  paths?: string[]
  noVerify?: boolean
  allowEmpty?: boolean
}

export interface CommitResult {
  commit: string
  tree: string
  /** the message as recorded (git's whitespace cleanup done) */
  message: string
  branch?: string
  parents: string[]
  changes: Change[]
  stored: { blocks: number, bytes: number }
}

/**
 * A message as git's commit records it (its "whitespace" cleanup): trailing
 * spaces gone from each line, runs of blank lines made one, no blank lines
 * at either end, and one newline at the end.
 */
export function cleanMessage (message: string): string {
  const lines = message.split('\n').map(l => l.replace(/\s+$/, ''))
  const out: string[] = []
  for (const l of lines) {
    if (l === '' && (out.length === 0 || out[out.length - 1] === '')) continue
    out.push(l)
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop()
  return out.length === 0 ? '' : out.join('\n') + '\n'
}

/** The message a merge, revert or cherry-pick under way has ready for its commit, if one is. */
export function preparedMessage (repo: Repo): string | undefined {
  const st = readMergeState(repo)
  return st === undefined ? undefined : st.message ?? `Merge ${st.label}\n`
}

/** Whether a tree's files and directories (an index's, or those of a tree just built) hold .acacheowners, as a file or otherwise. */
function hasOwnersFile (files: { has: (p: string) => boolean }, dirs: Map<string, unknown>): boolean {
  return files.has(OWNERS_FILE) || dirs.has(OWNERS_FILE)
}

/** Snapshots the working root (or just `paths`), signs it, and advances the branch. */
export async function commit (repo: Repo, ctx: Ctx, opts: CommitOptions): Promise<CommitResult> {
  const id = requireIdentity(ctx.home)
  const release = repo.lock()
  try {
    const merge = readMergeState(repo)
    if (merge !== undefined && (opts.paths?.length ?? 0) > 0) fail('USAGE', 'a merge is recorded whole: commit without paths')
    if (merge !== undefined) checkResolved(repo, merge)
    if (opts.amend === true && merge !== undefined) fail('MERGE_IN_PROGRESS', 'cannot amend during a merge', { hint: 'commit the merge first, or run `acache merge --abort`' })
    if (opts.noVerify !== true && runHook(repo, 'pre-commit') !== 0) {
      fail('HOOK_REFUSED', 'the pre-commit hook refused the commit', { hint: 'fix what it reported, or skip it with --no-verify' })
    }
    const head = repo.refs.headCommit()
    const { cache } = await StatCache.forHead(repo, head)
    trace('index read')
    const paths = repoPaths(repo.worktree, ctx.cwd, opts.paths)
    if (paths !== undefined) {
      for (const p of paths) {
        const known = p === '' || cache.entries.has(p) || cache.dirs.has(p) || fs.existsSync(repo.worktree + '/' + p)
        if (!known) fail('BAD_PATH', `pathspec ${JSON.stringify(p)} did not match any file`)
      }
    }
    ctx.progress.start('committing', undefined, 'bytes')
    const cmp = await compareWorktree(repo, cache, { store: repo.store, paths, onFile: (_p, n) => ctx.progress.tick(n) })
    ctx.progress.done()
    trace('compared')
    const amended = opts.amend === true ? await amendedCommit(repo, head) : undefined
    if (cmp.changes.length === 0 && merge === undefined && opts.allowEmpty !== true && head !== undefined && amended === undefined) {
      fail('NOTHING_TO_COMMIT', 'nothing to commit, working root clean')
    }

    let message = opts.message ?? amended?.message ?? merge?.message
    if (message === undefined) fail('USAGE', 'a commit needs a message', { hint: 'acache commit -m "what changed"' })
    if (opts.noVerify !== true) {
      const msgFile = repo.layout.commitMessage
      fs.writeFileSync(msgFile, message)
      if (runHook(repo, 'commit-msg', [msgFile]) !== 0) {
        fail('HOOK_REFUSED', 'the commit-msg hook refused the commit', { hint: 'fix the message, or skip the hook with --no-verify' })
      }
      message = fs.readFileSync(msgFile, 'utf8')
    }
    message = cleanMessage(message)
    if (message === '') fail('USAGE', 'aborting commit: the message is empty', { hint: 'give one with -m MESSAGE' })

    // (asked before the tree is built, which turns the cache's entries into the new tree's)
    const headOwned = hasOwnersFile(cache.entries, cache.dirs)
    const { root, dirs, next } = await worktreeTree(repo, cache, cmp)
    trace('tree built')
    const parents: CID[] = amended !== undefined ? amended.parents : head === undefined ? [] : [head]
    if (merge !== undefined && (merge.kind ?? 'merge') === 'merge') parents.push(merge.other)
    // One parent, HEAD, and neither its tree nor the new one has an .acacheowners (as the index and the
    // tree just built say): nothing is owned, as the checker would find after reading both root directories
    const unowned = parents.length === 1 && head !== undefined && parents[0].equals(head) && !headOwned && !hasOwnersFile(next, dirs)
    const violations = unowned ? [] : await new OwnershipChecker(repo.store).check(root.cid, parents, id.key, '(new)')
    trace('ownership checked')
    if (violations.length > 0) failOwnership(violations)
    const { commit: signed } = signCommit({
      type: 'acache/commit',
      version: 1,
      tree: root.cid,
      parents,
      author: { key: id.key, name: id.name },
      time: ctx.now().toISOString(),
      message
    }, id.secretKey)
    const cid = await repo.writeCommit(signed)
    await repo.store.settle([cid])
    if (parents.length === 0) repo.addKnownRoots([cid])
    repo.refs.transaction(`commit${amended !== undefined ? ' (amend)' : parents.length === 0 ? ' (initial)' : parents.length > 1 ? ' (merge)' : ''}: ${message.split('\n')[0]}`)
      .advanceHead(cid, head ?? ABSENT).commit()
    trace('commit recorded')
    // From here the commit is recorded; what follows only saves work later.
    const saved = new StatCache(root.cid, next, dirs)
    saved.commit = cid.toString()
    // what this commit's walk found holds for the new tree too, where what was new is tracked now
    saved.walk = walkForTree(cmp.walk, root.cid.toString(), cmp.untracked.filter(p => !next.has(p)))
    saved.save(repo)
    trace('index written')
    if (merge !== undefined) clearMergeState(repo)
    release()
    runHook(repo, 'post-commit')
    return {
      commit: cid.toString(),
      tree: root.cid.toString(),
      message,
      branch: repo.refs.currentBranch(),
      parents: parents.map(String),
      changes: cmp.changes,
      stored: { ...repo.store.written }
    }
  } finally {
    release()
  }
}

/** The commit `--amend` replaces: HEAD, which must exist. */
async function amendedCommit (repo: Repo, head: CID | undefined): Promise<{ parents: CID[], message: string }> {
  if (head === undefined) fail('USAGE', 'there is no commit to amend yet', { hint: 'make the first commit without --amend' })
  const c = await repo.readCommit(head)
  return { parents: c.parents, message: c.message }
}

