import { CID } from 'multiformats/cid'

/** How the merge-base search sees history: parents of a commit id. */
export type ParentsOf = (id: string) => Promise<string[]>

async function ancestors (start: string, parentsOf: ParentsOf): Promise<Set<string>> {
  const seen = new Set<string>([start])
  const stack = [start]
  while (stack.length > 0) {
    const id = stack.pop()!
    for (const p of await parentsOf(id)) {
      if (!seen.has(p)) { seen.add(p); stack.push(p) }
    }
  }
  return seen
}

/**
 * The best common ancestors of a and b (git's merge-base --all): common
 * ancestors that are not ancestors of another common ancestor. Sorted, so
 * the result is the same whichever way round the question is asked.
 */
export async function mergeBases (a: string, b: string, parentsOf: ParentsOf): Promise<string[]> {
  const ofA = await ancestors(a, parentsOf)
  const ofB = await ancestors(b, parentsOf)
  const common = [...ofA].filter(x => ofB.has(x))
  if (common.length <= 1) return common
  const commonSet = new Set(common)
  const dominated = new Set<string>()
  for (const c of common) {
    for (const p of await parentsOf(c)) {
      if (!commonSet.has(p)) continue
      // everything reachable from a parent of a common ancestor is not "best"
      for (const x of await ancestors(p, parentsOf)) dominated.add(x)
    }
  }
  return common.filter(c => !dominated.has(c)).sort()
}

export async function isAncestor (maybe: string, of: string, parentsOf: ParentsOf): Promise<boolean> {
  if (maybe === of) return true
  return (await ancestors(of, parentsOf)).has(maybe)
}

export function ids (cids: CID[]): string[] { return cids.map(String) }
