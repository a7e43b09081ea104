import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { OwnershipChecker } from '../services/ownership.js'
import { OwnerRule, ownersOf } from '../model/owners.js'
import { repoPath } from '../worktree/paths.js'

export interface OwnersResult { rules: OwnerRule[], rootSigner?: string, rootSigners?: string[], path?: string, owners?: string[] | null }

/** The rules in force for the next commit (HEAD's), and who owns PATH. */
export async function owners (repo: Repo, ctx: Ctx, p?: string): Promise<OwnersResult> {
  const head = repo.headCommit()
  if (head === undefined) return { rules: [] }
  const checker = new OwnershipChecker(repo.store)
  const rules = await checker.rules((await repo.readCommit(head)).tree)
  // the keys that signed every root of the history own .acacheowners unless a rule names its owners
  const rootSigners = await checker.rootSigners(head)
  const rootSigner = rootSigners.length === 1 ? rootSigners[0] : undefined
  if (p === undefined) return { rules, rootSigner, rootSigners }
  const rel = repoPath(repo.worktree, ctx.cwd, p)
  return { rules, rootSigner, rootSigners, path: rel, owners: ownersOf(rules, rel, rootSigners) ?? null }
}
