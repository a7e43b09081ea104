import { CID } from 'multiformats/cid'
import { BlockStore } from '../store/blockstore.js'
import { Entry, Node, joinPath, kindOf, readLinks } from './tree.js'

export interface TreeChange { path: string, old?: Entry, new?: Entry }

/**
 * What changed between two trees, file by file, sorted by path. Subtrees
 * with equal CIDs are skipped without being read, so the cost follows the
 * size of the change, not of the tree.
 */
export async function diffTrees (store: BlockStore, a: CID | undefined, b: CID | undefined): Promise<TreeChange[]> {
  const out: TreeChange[] = []
  await diffDirs(store, a, b, '', out)
  return out.sort((x, y) => x.path < y.path ? -1 : x.path > y.path ? 1 : 0)
}

async function diffDirs (store: BlockStore, a: CID | undefined, b: CID | undefined, dir: string, out: TreeChange[]): Promise<void> {
  if (a !== undefined && b !== undefined && a.equals(b)) return
  // Kinds are read only for entries that differ: an equal CID is an equal entry.
  const left = a === undefined ? new Map<string, Node>() : await readLinks(store, a, dir)
  const right = b === undefined ? new Map<string, Node>() : await readLinks(store, b, dir)
  const names = new Set([...left.keys(), ...right.keys()])
  const withKind = async (n: Node | undefined): Promise<Entry | undefined> => n === undefined ? undefined : { ...n, kind: await kindOf(store, n.cid) }
  for (const name of names) {
    const ln = left.get(name)
    const rn = right.get(name)
    if (ln !== undefined && rn !== undefined && ln.cid.equals(rn.cid)) continue
    const l = await withKind(ln)
    const r = await withKind(rn)
    const p = joinPath(dir, name)
    const lDir = l?.kind === 'dir'
    const rDir = r?.kind === 'dir'
    if (lDir || rDir) {
      if (lDir && rDir && l.cid.equals(r.cid)) continue
      await diffDirs(store, lDir ? l.cid : undefined, rDir ? r.cid : undefined, p, out)
      if (l !== undefined && !lDir) out.push({ path: p, old: l })
      if (r !== undefined && !rDir) out.push({ path: p, new: r })
      continue
    }
    if (l !== undefined && r !== undefined && l.cid.equals(r.cid) && l.kind === r.kind) continue
    out.push({ path: p, old: l, new: r })
  }
}
