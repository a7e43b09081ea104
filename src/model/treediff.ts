import { CID } from 'multiformats/cid'
import { BlockStore } from '../store/blockstore.js'
import { Entry, joinPath, readDirectory } from './tree.js'

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
  const left = a === undefined ? new Map<string, Entry>() : await readDirectory(store, a, dir)
  const right = b === undefined ? new Map<string, Entry>() : await readDirectory(store, b, dir)
  const names = new Set([...left.keys(), ...right.keys()])
  for (const name of names) {
    const l = left.get(name)
    const r = right.get(name)
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
