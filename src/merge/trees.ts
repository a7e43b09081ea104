import { CID } from 'multiformats/cid'
import { BlockStore } from '../store/blockstore.js'
import { Entry, Kind, Node, entryOf, joinPath, readDirectory, writeDirectory } from '../model/tree.js'
import { isTooLarge, readFileBytes, sameStoredContent, storeBytes } from '../model/file.js'
import { isBinary } from '../util/text.js'
import { Conflict, ConflictKind } from './state.js'
import { Labels, TextMerger, diff3Text } from './text.js'
import { ChunkerName } from '../model/chunker.js'

export interface TreeMergeOptions {
  textMerge?: TextMerger
  labels?: Labels
  /** files larger than this are merged as binary (whole-file sides) */
  maxTextBytes?: number
  /** how merged text is cut into blocks (the repository's chunker) */
  chunker?: ChunkerName
}

export interface TreeMergeResult {
  tree: Node
  conflicts: Conflict[]
  /** directories read: the cost of the merge follows what changed, not the size of the tree */
  dirsRead: number
}

const same = (a: Entry | undefined, b: Entry | undefined): boolean =>
  a === undefined ? b === undefined : b !== undefined && a.kind === b.kind && a.cid.equals(b.cid)
const isFile = (e: Entry | undefined): boolean => e?.kind === 'file' || e?.kind === 'exec'
const asDir = (e: Entry | undefined): Entry | undefined => e?.kind === 'dir' ? e : undefined

/**
 * Three-way merge of trees by path (DESIGN §5). A subtree equal on both
 * sides, or changed on one side only, is taken whole without being read.
 * What cannot merge keeps ours at PATH and puts theirs (and the base) beside
 * it as PATH.theirs / PATH.base, or writes conflict markers into a text file:
 * the result tree holds every byte of both sides.
 */
export async function mergeTrees (store: BlockStore, base: CID | undefined, ours: CID, theirs: CID, opts: TreeMergeOptions = {}): Promise<TreeMergeResult> {
  const textMerge = opts.textMerge ?? diff3Text
  const labels = opts.labels ?? { ours: 'ours', base: 'base', theirs: 'theirs' }
  const maxText = opts.maxTextBytes ?? 64 * 1024 * 1024
  const conflicts: Conflict[] = []
  let dirsRead = 0
  const dirEntry = (cid: CID): Entry => ({ cid, tsize: 0, kind: 'dir' })

  const read = async (e: Entry | undefined, where: string): Promise<Map<string, Entry>> => {
    if (e === undefined) return new Map()
    dirsRead++
    return await readDirectory(store, e.cid, where)
  }

  const mergeDir = async (b: Entry | undefined, o: Entry | undefined, t: Entry | undefined, dir: string): Promise<Node> => {
    const [B, O, T] = [await read(b, dir), await read(o, dir), await read(t, dir)]
    const out = new Map<string, Entry>()
    const beside: Array<[string, string, Entry]> = [] // name, suffix, entry
    const names = [...new Set([...O.keys(), ...T.keys(), ...B.keys()])].sort()
    for (const name of names) {
      const bo = B.get(name)
      const oo = O.get(name)
      const to = T.get(name)
      const p = joinPath(dir, name)
      if (same(oo, to)) { if (oo !== undefined) out.set(name, oo); continue }
      if (same(bo, oo)) { if (to !== undefined) out.set(name, to); continue }
      if (same(bo, to)) { if (oo !== undefined) out.set(name, oo); continue }
      // Both sides changed this name, differently.
      const oDirish = oo === undefined || oo.kind === 'dir'
      const tDirish = to === undefined || to.kind === 'dir'
      if (oDirish && tDirish) {
        const n = await mergeDir(asDir(bo), oo, to, p)
        out.set(name, entryOf(n, 'dir'))
        continue
      }
      if (isFile(oo) && isFile(to)) {
        out.set(name, await mergeFile(bo, oo!, to!, p, (suffix, e) => beside.push([name, suffix, e])))
        continue
      }
      // Deleted on one side, changed on the other; or a file against a
      // directory; or a symlink against anything: ours stays, theirs beside.
      let kind: ConflictKind
      if (oo === undefined) kind = 'delete/modify'
      else if (to === undefined) kind = 'modify/delete'
      else if (oo.kind === 'dir' || to.kind === 'dir') kind = 'file/directory'
      else kind = 'symlink'
      if (oo !== undefined) out.set(name, oo)
      const sidecars: string[] = []
      if (to !== undefined) { beside.push([name, '.theirs', to]); sidecars.push('.theirs') }
      if (bo !== undefined && bo.kind !== 'dir') { beside.push([name, '.base', bo]); sidecars.push('.base') }
      conflicts.push({ path: p, kind, sidecars: sidecars.map(s => p + s), markers: false })
    }
    for (const [name, suffix, e] of beside) {
      let n = name + suffix
      for (let i = 1; out.has(n); i++) n = `${name}${suffix}.${i}`
      out.set(n, e)
      // the conflict records the name actually used
      const c = conflicts.find(c => c.path === joinPath(dir, name))
      if (c !== undefined) c.sidecars = c.sidecars.map(s => s === joinPath(dir, name + suffix) ? joinPath(dir, n) : s)
    }
    return await writeDirectory(store, out)
  }

  const mergeFile = async (bo: Entry | undefined, oo: Entry, to: Entry, p: string, put: (suffix: string, e: Entry) => void): Promise<Entry> => {
    // The exec bit merges like any one-bit change.
    let kind: Kind | undefined
    if (oo.kind === to.kind) kind = oo.kind
    else if (bo !== undefined && isFile(bo) && bo.kind === oo.kind) kind = to.kind
    else if (bo !== undefined && isFile(bo) && bo.kind === to.kind) kind = oo.kind
    const sideBySide = (ck: ConflictKind, withBase: boolean): Entry => {
      put('.theirs', to)
      const sidecars = [p + '.theirs']
      if (withBase && bo !== undefined && bo.kind !== 'dir') { put('.base', bo); sidecars.push(p + '.base') }
      conflicts.push({ path: p, kind: ck, sidecars, markers: false })
      return oo
    }
    if (kind === undefined) return sideBySide('mode', false)
    const base = bo !== undefined && isFile(bo) ? bo : undefined
    if (oo.cid.equals(to.cid)) return { ...oo, kind }
    if (base !== undefined && base.cid.equals(oo.cid)) return { ...to, kind }
    if (base !== undefined && base.cid.equals(to.cid)) return { ...oo, kind }
    // other CIDs may hold the same bytes, chunked another way (the chunker changed): compare content
    // (of the same kind: the exec bit is in a file's node, so a CID of one kind never stands for the other)
    if (oo.kind === to.kind && await sameStoredContent(store, oo.cid, to.cid)) return { ...oo, kind }
    if (base !== undefined && base.kind === oo.kind && to.kind === kind && await sameStoredContent(store, base.cid, oo.cid)) return { ...to, kind }
    if (base !== undefined && base.kind === to.kind && oo.kind === kind && await sameStoredContent(store, base.cid, to.cid)) return { ...oo, kind }
    if (base === undefined) return sideBySide('add/add', false)
    if (oo.tsize > maxText || to.tsize > maxText || base.tsize > maxText) return sideBySide('binary', true)
    let bb: Uint8Array, ob: Uint8Array, tb: Uint8Array
    // sizes in links are claims: the reads themselves stop at maxText
    try { [bb, ob, tb] = [await readFileBytes(store, base.cid, maxText), await readFileBytes(store, oo.cid, maxText), await readFileBytes(store, to.cid, maxText)] } catch (err) {
      if (isTooLarge(err)) return sideBySide('binary', true)
      throw err
    }
    if (isBinary(bb) || isBinary(ob) || isBinary(tb)) return sideBySide('binary', true)
    // text in any encoding merges line by line, its bytes kept as they are (as git's)
    const r = textMerge(bb, ob, tb, labels)
    const n = await storeBytes(store, r.bytes, kind === 'exec', undefined, opts.chunker)
    if (!r.clean) conflicts.push({ path: p, kind: 'content', sidecars: [], markers: true })
    return { ...n, kind }
  }

  const tree = await mergeDir(base === undefined ? undefined : dirEntry(base), dirEntry(ours), dirEntry(theirs), '')
  conflicts.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  return { tree, conflicts, dirsRead }
}
