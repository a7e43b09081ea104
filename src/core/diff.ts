import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { resolveRev } from '../repo/revs.js'
import { mergeBases } from '../merge/base.js'
import { fail } from '../errors.js'
import { diffTrees } from '../model/treediff.js'
import { Entry, flattenTree } from '../model/tree.js'
import { StatCache, entryOf } from '../worktree/status/stat-cache.js'
import { compareWorktree, underPaths } from '../worktree/snapshot.js'
import { repoPaths } from '../worktree/paths.js'
import { FileDiff, Side, pathDiffs, treeSide } from '../services/diff.js'
import fs from 'node:fs'
import path from 'node:path'

export type { FileDiff } from '../services/diff.js'

function workSide (repo: Repo, p: string, e: Entry | undefined): Side {
  if (e === undefined) return undefined
  const abs = path.join(repo.worktree, p)
  return {
    entry: e,
    bytes: async () => e.kind === 'symlink' ? new TextEncoder().encode(fs.readlinkSync(abs)) : fs.readFileSync(abs)
  }
}

/**
 * `A..B` is A and B (an end left out is HEAD); `A...B` is what B changed
 * since it parted from A: the merge base of the two, and B (as git diff).
 */
async function expandRange (repo: Repo, revs: string[]): Promise<string[]> {
  if (revs.length !== 1) return revs
  const m = /^(.*?)(\.{2,3})(.*)$/.exec(revs[0])
  if (m === null) return revs
  const a = m[1] === '' ? 'HEAD' : m[1]
  const b = m[3] === '' ? 'HEAD' : m[3]
  if (m[2] === '..') return [a, b]
  const [ca, cb] = [await resolveRev(repo, a), await resolveRev(repo, b)]
  const bases = await mergeBases(ca.toString(), cb.toString(), async (id) => (await repo.readCommit(CID.parse(id))).parents.map(String))
  if (bases.length === 0) fail('USAGE', `${revs[0]}: ${a} and ${b} have no common history`)
  return [bases[0], cb.toString()]
}

/**
 * `diff` (HEAD against the working root), `diff REV` (REV against the
 * working root), `diff A B` (two commits).
 */
export async function diff (repo: Repo, ctx: Ctx, opts: { revs: string[], paths?: string[] }): Promise<FileDiff[]> {
  const paths = repo.root === undefined ? undefined : repoPaths(repo.worktree, ctx.cwd, opts.paths)
  const treeOf = async (rev: string): Promise<CID> => (await repo.readCommit(await resolveRev(repo, rev))).tree
  const sizeOf = async (s: NonNullable<Side>): Promise<number> => s.entry.tsize
  const out: FileDiff[] = []
  const revs = await expandRange(repo, opts.revs)
  if (revs.length >= 2) {
    const changes = await diffTrees(repo.store, await treeOf(revs[0]), await treeOf(revs[1]))
    for (const c of changes) {
      if (!underPaths(c.path, paths)) continue
      out.push(...await pathDiffs(c.path, treeSide(repo, c.old), treeSide(repo, c.new), sizeOf, repo.store))
    }
    return out
  }
  const head = repo.refs.headCommit()
  const { cache, headTree } = await StatCache.forHead(repo, head)
  const base = revs.length === 1 ? await treeOf(revs[0]) : headTree
  const cmp = await compareWorktree(repo, cache, { hashAdded: true, paths })
  const baseFiles = base === undefined ? new Map<string, Entry>() : (await flattenTree(repo.store, base)).files
  const names = new Set<string>()
  for (const p of baseFiles.keys()) if (underPaths(p, paths)) names.add(p)
  for (const p of cmp.present) names.add(p)
  for (const p of [...names].sort()) {
    const a = baseFiles.get(p)
    const cur = cmp.lookup(p)
    const b = cur === undefined ? undefined : entryOf(cur)
    if (a !== undefined && b !== undefined && a.cid.equals(b.cid) && a.kind === b.kind) continue
    out.push(...await pathDiffs(p, treeSide(repo, a), workSide(repo, p, b), async (s) => s === undefined ? 0 : s.entry.tsize))
  }
  return out
}
