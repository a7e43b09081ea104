import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { requireIdentity } from '../identity/identity.js'
import { signCommit } from '../model/commit.js'
import { StatCache } from '../worktree/status/stat-cache.js'
import { compareWorktree } from '../worktree/snapshot.js'
import { mergeTrees } from '../merge/trees.js'
import { Conflict, readMergeState } from '../merge/state.js'
import { chunkerOf } from '../worktree/attributes.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'
import { checkoutTree, refuseOutsideSparse } from '../worktree/checkout.js'
import { worktreeTree } from '../worktree/snapshot.js'

/**
 * `stash`: local changes put aside so a switch or pull can go ahead, and
 * back later. A stash is a signed commit of the working root on top of
 * HEAD (never published); .acache/stash lists them, newest first, and gc
 * keeps them.
 */
export interface StashEntry { n: number, commit: string, base: string, branch?: string, message: string, time: string }


export function listStash (repo: Repo): StashEntry[] {
  const text = readTextIfExists(repo.layout.stash)
  if (text === undefined) return []
  try {
    const list = JSON.parse(text) as Array<Omit<StashEntry, 'n'>>
    return list.map((e, n) => ({ ...e, n }))
  } catch {
    return fail('BAD_CONFIG', `${repo.layout.stash} is damaged`)
  }
}

function saveStash (repo: Repo, list: StashEntry[]): void {
  if (list.length === 0) { fs.rmSync(repo.layout.stash, { force: true }); return }
  writeFileAtomic(repo.layout.stash, JSON.stringify(list.map(({ n, ...e }) => e), null, 2) + '\n')
}

/** `stash [push] [-m MSG]`: records the local changes and puts the working root back to HEAD. */
export async function stashPush (repo: Repo, ctx: Ctx, message?: string): Promise<StashEntry> {
  const id = requireIdentity(ctx.home)
  const release = repo.lock()
  try {
    if (readMergeState(repo) !== undefined) fail('MERGE_IN_PROGRESS', 'a merge is in progress: finish it or abort it before stashing')
    const head = repo.refs.headCommit()
    if (head === undefined) fail('USAGE', 'nothing to stash onto: this branch has no commits yet')
    const headTree = (await repo.readCommit(head)).tree
    const cache = await StatCache.load(repo, headTree)
    const cmp = await compareWorktree(repo, cache, { store: repo.store })
    if (cmp.changes.length === 0) fail('NOTHING_TO_COMMIT', 'no local changes to stash')
    const { root } = await worktreeTree(repo, cache, cmp)
    const branch = repo.refs.currentBranch()
    const text = message ?? `WIP on ${branch ?? 'detached HEAD'}`
    const { commit } = signCommit({ type: 'acache/commit', version: 1, tree: root.cid, parents: [head], author: { key: id.key, name: id.name }, time: ctx.now().toISOString(), message: text }, id.secretKey)
    const cid = await repo.writeCommit(commit)
    await repo.store.settle([cid])
    const entry: StashEntry = { n: 0, commit: cid.toString(), base: head.toString(), branch, message: text, time: ctx.now().toISOString() }
    // recorded before the working root is touched: a crash from here loses nothing
    saveStash(repo, [entry, ...listStash(repo)])
    const r = await checkoutTree(repo, root.cid, headTree, true)
    r.cache.save(repo)
    return entry
  } finally {
    release()
  }
}

export interface StashApplied { entry: StashEntry, dropped: boolean, conflicts: Conflict[] }

/**
 * `stash apply [N]` / `stash pop [N]`: the stashed changes merged (three
 * ways, base: where they were made) into the working root as local changes.
 * Local changes in the way refuse it, changing nothing; with conflicts the
 * files hold markers (or .theirs beside them) and the stash is kept.
 */
export async function stashApply (repo: Repo, _ctx: Ctx, n = 0, pop = false): Promise<StashApplied> {
  const release = repo.lock()
  try {
    if (readMergeState(repo) !== undefined) fail('MERGE_IN_PROGRESS', 'a merge is in progress: finish it or abort it first')
    const list = listStash(repo)
    const entry = list[n]
    if (entry === undefined) fail('UNKNOWN_REVISION', list.length === 0 ? 'there is no stash' : `stash@{${n}} does not exist (there are ${list.length})`)
    const head = repo.refs.headCommit()
    if (head === undefined) fail('USAGE', 'this branch has no commits to apply a stash onto')
    const ours = (await repo.readCommit(head)).tree
    const base = (await repo.readCommit(CID.parse(entry.base))).tree
    const theirs = (await repo.readCommit(CID.parse(entry.commit))).tree
    const merged = await mergeTrees(repo.store, base, ours, theirs, { labels: { ours: 'ours', base: 'stash base', theirs: `stash@{${n}}` }, chunker: chunkerOf(repo.root) })
    // the index keeps describing HEAD: what was applied shows as local changes (in a sparse checkout, only inside it)
    await refuseOutsideSparse(repo, ours, merged.tree.cid, `stash@{${n}}`)
    await checkoutTree(repo, ours, merged.tree.cid, false, 'commit them first, then apply the stash again')
    const dropped = pop && merged.conflicts.length === 0
    if (dropped) saveStash(repo, list.filter(e => e.n !== n))
    return { entry, dropped, conflicts: merged.conflicts }
  } finally {
    release()
  }
}

export function stashDrop (repo: Repo, n = 0): StashEntry {
  const release = repo.lock()
  try {
    const list = listStash(repo)
    const entry = list[n]
    if (entry === undefined) fail('UNKNOWN_REVISION', list.length === 0 ? 'there is no stash' : `stash@{${n}} does not exist (there are ${list.length})`)
    saveStash(repo, list.filter(e => e.n !== n))
    return entry
  } finally {
    release()
  }
}
