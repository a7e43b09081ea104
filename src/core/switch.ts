import { CID } from 'multiformats/cid'
import { ABSENT, Repo, checkNewBranchName } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { previousCheckout, resolveRev } from '../repo/revs.js'
import { Change } from '../worktree/snapshot.js'
import { checkoutTree, resparse } from '../worktree/checkout.js'
import { repoPath } from '../worktree/paths.js'
import { readMergeState } from '../merge/state.js'

export interface SwitchOptions { target: string, create?: string, detach?: boolean, force?: boolean, /** a new sparse set (null: the whole tree), applied before the switch */ sparse?: string[] | null }
export interface SwitchResult { branch?: string, commit: string, created?: string, written: number, removed: number, kept: string[], /** the local changes carried along, with what they are */ keptChanges: Change[], /** leaving a detached HEAD: commits no ref holds */ leftBehind?: { commit: string, count: number }, /** the sparse set now, when it changed (null: none) */ sparse?: string[] | null, sparseWritten?: number, sparseRemoved?: number }

/**
 * Moves the working root and HEAD to another commit. Local changes to paths
 * the switch does not touch are carried along, as in git; a change it would
 * overwrite makes it refuse (naming the paths) unless `force`.
 */
export async function switchTo (repo: Repo, ctx: Ctx, opts: SwitchOptions): Promise<SwitchResult> {
  // `switch -` and `switch @{-N}`: back to the branch (or commit) checked out before
  const back = opts.target === '-' ? 1 : Number(/^@\{-(\d+)\}$/.exec(opts.target)?.[1] ?? 0)
  if (back > 0 && opts.create === undefined) opts = { ...opts, target: previousCheckout(repo, back) }
  const release = repo.lock()
  try {
    if (readMergeState(repo) !== undefined) fail('MERGE_IN_PROGRESS', 'a merge is in progress', { hint: 'commit it, or run `acache merge --abort`' })
    let resparsed: { sparse: string[] | null, sparseWritten: number, sparseRemoved: number } | undefined
    if (opts.sparse !== undefined) {
      const set = opts.sparse === null ? undefined : opts.sparse.map(p => repoPath(repo.worktree, ctx.cwd, p))
      const head0 = repo.refs.headCommit()
      const r0 = await resparse(repo, head0 === undefined ? undefined : (await repo.readCommit(head0)).tree, set, opts.force === true)
      r0.cache.save(repo)
      resparsed = { sparse: set ?? null, sparseWritten: r0.written, sparseRemoved: r0.removed }
      if (opts.target === 'HEAD' && opts.create === undefined) {
        return { branch: repo.refs.currentBranch(), commit: head0?.toString() ?? '', written: 0, removed: 0, kept: [], keptChanges: [], ...resparsed }
      }
    }
    let target: CID
    let ref: string | undefined
    if (opts.create !== undefined) {
      checkNewBranchName(opts.create)
      if (repo.refs.read(`refs/heads/${opts.create}`) !== undefined) fail('EXISTS', `a branch named ${opts.create} already exists`)
      target = await resolveRev(repo, opts.target)
      ref = `refs/heads/${opts.create}`
    } else {
      target = await resolveRev(repo, opts.target)
      if (opts.detach !== true && repo.refs.read(`refs/heads/${opts.target}`) !== undefined) ref = `refs/heads/${opts.target}`
    }
    const targetTree = (await repo.readCommit(target)).tree
    const head = repo.refs.headCommit()
    const wasDetached = repo.refs.head().ref === undefined
    const headTree = head === undefined ? undefined : (await repo.readCommit(head)).tree
    const r = await checkoutTree(repo, headTree, targetTree, opts.force === true)
    const why = `switch: moving from ${repo.refs.currentBranch() ?? (head === undefined ? '(nothing)' : head.toString())} to ${opts.create ?? opts.target}`
    if (opts.create !== undefined) repo.refs.transaction(`branch: Created from ${opts.target}`).set(ref!, target, ABSENT).commit()
    repo.refs.transaction(why).setHead(ref !== undefined ? { ref } : { cid: target }, head ?? ABSENT).commit()
    r.cache.save(repo)
    const leftBehind = wasDetached && head !== undefined ? await orphaned(repo, head, target) : undefined
    return { branch: ref?.slice('refs/heads/'.length), commit: target.toString(), created: opts.create, written: r.written, removed: r.removed, kept: r.kept, keptChanges: r.keptChanges, ...(leftBehind !== undefined ? { leftBehind } : {}), ...(resparsed ?? {}) }
  } finally {
    release()
  }
}

/**
 * Leaving a detached HEAD: the commits reachable from it that no ref (nor
 * the new HEAD) holds, as git warns of them. Walks back from the old HEAD
 * only until it meets what refs hold.
 */
async function orphaned (repo: Repo, old: CID, now: CID): Promise<{ commit: string, count: number } | undefined> {
  const held = new Set<string>()
  const stack: CID[] = [now, ...repo.refs.list('refs').map(([, c]) => c)]
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
