import { CID } from 'multiformats/cid'
import { BlockStore } from '../store/blockstore.js'
import { CountMemo, Entry, Kind, Node, countEntries, entryOf, joinPath, kindOf, readLinks } from './tree.js'
import { maxTreeEntries, tooManyEntries } from './limits.js'

export interface TreeChange { path: string, old?: Entry, new?: Entry }

/**
 * What changed between two trees, file by file, sorted by path. Subtrees
 * with equal CIDs are skipped without being read, so the cost follows the
 * size of the change, not of the tree. Each directory and kind is read once
 * however often the trees link it, and the walk stops past
 * maxTreeEntries() (a whole subtree added or removed is counted before it
 * is expanded), so a DAG bomb costs its blocks, not its paths.
 */
export async function diffTrees (store: BlockStore, a: CID | undefined, b: CID | undefined): Promise<TreeChange[]> {
  const out: TreeChange[] = []
  const walk = new DiffWalk(store)
  await walk.dirs(a, b, '', out)
  return out.sort(byPath)
}

const byPath = (x: TreeChange, y: TreeChange): number => x.path < y.path ? -1 : x.path > y.path ? 1 : 0

/**
 * The first `max` changes the walk meets (directories in their order), and
 * whether there are more: for a page that shows a bounded part of a large
 * change. Bounded by `max`, it needs no count of a subtree first.
 */
export async function someTreeChanges (store: BlockStore, a: CID | undefined, b: CID | undefined, max: number): Promise<{ changes: TreeChange[], more: boolean }> {
  const out: TreeChange[] = []
  const walk = new DiffWalk(store, max)
  await walk.dirs(a, b, '', out, true)
  const more = out.length > max
  return { changes: out.slice(0, max).sort(byPath), more }
}

class DiffWalk {
  private readonly links = new Map<string, Promise<Map<string, Node>>>()
  private readonly kinds = new Map<string, Promise<Kind>>()
  private readonly limit = maxTreeEntries()
  private readonly counted: CountMemo = { dirs: new Map(), counts: new Map() }
  private visited = 0

  /** `max`: stop once more than this many changes are found (a bounded walk) */
  constructor (private readonly store: BlockStore, private readonly max = Infinity) {}

  private readLinks (cid: CID, where: string): Promise<Map<string, Node>> {
    const k = cid.toString()
    let p = this.links.get(k)
    if (p === undefined) { p = readLinks(this.store, cid, where); this.links.set(k, p) }
    return p
  }

  private async withKind (n: Node | undefined): Promise<Entry | undefined> {
    if (n === undefined) return undefined
    const k = n.cid.toString()
    let p = this.kinds.get(k)
    if (p === undefined) { p = kindOf(this.store, n.cid); this.kinds.set(k, p) }
    return entryOf(n, await p)
  }

  async dirs (a: CID | undefined, b: CID | undefined, dir: string, out: TreeChange[], counted = false): Promise<void> {
    if (a !== undefined && b !== undefined && a.equals(b)) return
    // a subtree only on one side is expanded whole: count it first
    if ((a === undefined || b === undefined) && !counted) {
      counted = true
      const one = (a ?? b)!
      this.visited += await countEntries(this.store, one, this.limit, this.counted)
      if (this.visited > this.limit) tooManyEntries('the difference between these trees', this.limit)
    }
    // Kinds are read only for entries that differ: an equal CID is an equal entry.
    const left = a === undefined ? new Map<string, Node>() : await this.readLinks(a, dir)
    const right = b === undefined ? new Map<string, Node>() : await this.readLinks(b, dir)
    const names = new Set([...left.keys(), ...right.keys()])
    for (const name of names) {
      if (out.length > this.max) return
      const ln = left.get(name)
      const rn = right.get(name)
      if (ln !== undefined && rn !== undefined && ln.cid.equals(rn.cid)) continue
      // (a bounded walk counts every entry it passes: a tree of empty directories linked many times is no way round the bound)
      if ((this.max !== Infinity || (a !== undefined && b !== undefined)) && ++this.visited > this.limit) tooManyEntries('the difference between these trees', this.limit)
      const l = await this.withKind(ln)
      const r = await this.withKind(rn)
      const p = joinPath(dir, name)
      const lDir = l?.kind === 'dir'
      const rDir = r?.kind === 'dir'
      if (lDir || rDir) {
        if (lDir && rDir && l.cid.equals(r.cid)) continue
        await this.dirs(lDir ? l.cid : undefined, rDir ? r.cid : undefined, p, out, counted)
        if (l !== undefined && !lDir) out.push({ path: p, old: l })
        if (r !== undefined && !rDir) out.push({ path: p, new: r })
        continue
      }
      if (l !== undefined && r !== undefined && l.cid.equals(r.cid) && l.kind === r.kind) continue
      out.push({ path: p, old: l, new: r })
    }
  }
}
