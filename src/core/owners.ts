import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { OwnershipChecker } from '../services/ownership.js'
import { OwnerRule, ownersOf } from '../model/owners.js'
import { repoPath } from '../worktree/paths.js'
import { flattenTree } from '../model/tree.js'
import type { CID } from 'multiformats/cid'
import fs from 'node:fs'
import path from 'node:path'

export interface OwnersResult { rules: OwnerRule[], rootSigner?: string, rootSigners?: string[], path?: string, owners?: string[] | null }

/** The rules in force for the next commit (HEAD's), and who owns PATH. */
export async function owners (repo: Repo, ctx: Ctx, p?: string): Promise<OwnersResult> {
  const head = repo.refs.headCommit()
  if (head === undefined) return { rules: [] }
  const checker = new OwnershipChecker(repo.store)
  const rules = await checker.rules((await repo.readCommit(head)).tree)
  // the keys that signed every root of the history own .acacheowners unless a rule names its owners
  const rootSigners = await checker.rootSigners(head)
  const rootSigner = rootSigners.length === 1 ? rootSigners[0] : undefined
  if (p === undefined) return { rules, rootSigner, rootSigners }
  const rel = repoPath(repo.worktree, ctx.cwd, p)
  // a folder (named with a trailing /, or one in the working root or HEAD's tree) answers for what is in it: the rule "/DIR/" is its rule
  const folder = rel !== '' && (p.endsWith('/') || isDirectory(path.join(repo.worktree, rel)) || await inTreeAsDir(repo, head, rel))
  const asked = folder ? rel + '/' : rel
  return { rules, rootSigner, rootSigners, path: rel, owners: ownersOf(rules, asked, rootSigners) ?? null }
}

function isDirectory (abs: string): boolean {
  try { return fs.lstatSync(abs).isDirectory() } catch { return false }
}

async function inTreeAsDir (repo: Repo, head: CID, rel: string): Promise<boolean> {
  try {
    const { files } = await flattenTree(repo.store.offline(), (await repo.readCommit(head)).tree)
    for (const f of files.keys()) if (f.startsWith(rel + '/')) return true
  } catch { /* not here: answered as a file */ }
  return false
}
