import { Repo } from '../repo/repo.js'
import { Ctx } from './context.js'
import { OwnershipChecker } from './ownership.js'
import { OwnerRule, ownersOf } from '../model/owners.js'
import { repoPath } from '../worktree/paths.js'

export interface OwnersResult { rules: OwnerRule[], rootSigner?: string, path?: string, owners?: string[] | null }

/** The rules in force for the next commit (HEAD's), and who owns PATH. */
export async function owners (repo: Repo, ctx: Ctx, p?: string): Promise<OwnersResult> {
  const head = repo.headCommit()
  if (head === undefined) return { rules: [] }
  const checker = new OwnershipChecker(repo.store)
  const rules = await checker.rules((await repo.readCommit(head)).tree)
  const rootSigner = await checker.root(head)
  if (p === undefined) return { rules, rootSigner }
  const rel = repoPath(repo.worktree, ctx.cwd, p)
  return { rules, rootSigner, path: rel, owners: ownersOf(rules, rel, rootSigner) ?? null }
}
